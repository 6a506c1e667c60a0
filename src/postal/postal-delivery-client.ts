import type { DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../connectors/connector-types.ts';
import type { PostalCarrier } from './postal-carrier.ts';
import { shipmentCreatedType, type PostalShipmentV1 } from './postal-message-types.ts';
import type { ShipmentStore } from './shipment-store.ts';

/**
 * Delivers a shipment request to its carrier: the shipment is registered under the carrier's order number first
 * (so its tracking finds it, whenever it comes), then the order is created. The province hears
 * postal.shipment.created.v1 with the order number; the tracking number comes with the carrier's tracking.
 */
export class PostalDeliveryClient implements DeliveryClient {
  constructor(
    private readonly carrierName: string,
    private readonly carrier: PostalCarrier,
    private readonly store: ShipmentStore,
  ) {}

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const { envelope } = request;
    const shipment = envelope.payload as unknown as PostalShipmentV1;
    const orderNumber = this.carrier.orderNumberOf(shipment);
    const record = { shipmentId: envelope.messageId, carrier: this.carrierName, orderNumber, partner: envelope.partner, agencyCode: envelope.agencyCode, dossierCode: envelope.dossierCode, kind: shipment.kind };
    await this.store.register(record);
    const created = await this.carrier.createOrder(shipment, request);
    return {
      statusCode: created.statusCode,
      events: [
        {
          type: shipmentCreatedType,
          name: `${shipmentCreatedType}|${envelope.messageId}`,
          orderingKey: `shipment-created:${envelope.messageId}`, // once per shipment: never ordered against its tracking
          orderingTime: Date.parse(envelope.receivedAt),
          payload: { shipmentId: envelope.messageId, dossierCode: shipment.dossierCode, kind: shipment.kind, carrier: this.carrierName, orderNumber, carrierStatus: created.carrierStatus, carrierMessage: created.message },
        },
      ],
    };
  }

  close(): Promise<void> {
    return this.carrier.close();
  }
}
