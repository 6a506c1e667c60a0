import { basicAuthorization, ClientCredentialsToken } from '../../src/connectors/client-credentials.ts';
import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { jsonOrUndefined } from '../../src/connectors/json-or-undefined.ts';
import { postSigned } from '../../src/connectors/post-signed.ts';
import { DeliveryError, deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import { shipmentCreatedType, type PostalShipmentV1 } from '../../src/postal/postal-message-types.ts';
import { toVnpostOrder } from './mapping.ts';
import { vnpostOptionsOf, type VnpostOptions } from './options.ts';

/**
 * Creates shipments at the public postal service. The carrier's tracking number comes back as a
 * postal.shipment.created.v1 event for the province; the same order number twice gives the same shipment.
 */
export class VnpostClient implements DeliveryClient {
  private readonly options: VnpostOptions;
  private readonly token: ClientCredentialsToken;

  constructor(private readonly context: ConnectorContext) {
    this.options = vnpostOptionsOf(context.destination.options);
    this.token = new ClientCredentialsToken(context.transport, {
      name: context.destinationName,
      tokenPath: this.options.tokenPath,
      authorization: basicAuthorization(this.options.clientId, this.options.clientSecret),
      timeoutMs: context.destination.timeoutMs,
    });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const { envelope } = request;
    const body = Buffer.from(JSON.stringify(toVnpostOrder(envelope, this.options.customerCode)));
    const token = await this.token.get();
    let res = await postSigned(this.context, 'order', this.options.createPath, body, request, token);
    if (res.statusCode === 401) {
      this.token.invalidate(token);
      res = await postSigned(this.context, 'order', this.options.createPath, body, request, await this.token.get());
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, res.text);
    const answer = jsonOrUndefined(res.text) as { ItemCode?: string } | undefined;
    if (!answer?.ItemCode) throw new DeliveryError(`carrier answered without a tracking number: ${res.text.slice(0, 200)}`, false, res.statusCode, undefined, res.text.slice(0, 500));
    const shipment = envelope.payload as unknown as PostalShipmentV1;
    return {
      statusCode: res.statusCode,
      events: [
        {
          type: shipmentCreatedType,
          name: `${shipmentCreatedType}|${envelope.messageId}`,
          orderingKey: `shipment-created:${envelope.messageId}`, // once per shipment: never ordered against its tracking
          orderingTime: Date.parse(envelope.receivedAt),
          payload: { shipmentId: envelope.messageId, dossierCode: shipment.dossierCode, kind: shipment.kind, carrier: this.context.destinationName, trackingNumber: answer.ItemCode },
        },
      ],
    };
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
