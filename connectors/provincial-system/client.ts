import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { postSigned } from '../../src/connectors/post-signed.ts';
import { deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import { toProvincialEvent } from './mapping.ts';
import { provincialOptionsOf, type ProvincialOptions } from './options.ts';

/** Delivers gateway events (payment results, tracking events, online submissions) to the province's one-stop system. */
export class ProvincialSystemClient implements DeliveryClient {
  private readonly options: ProvincialOptions;

  constructor(private readonly context: ConnectorContext) {
    this.options = provincialOptionsOf(context.destination.options);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const body = Buffer.from(JSON.stringify(toProvincialEvent(request.envelope)));
    const res = await postSigned(this.context, 'events', this.options.eventsPath, body, request, this.options.apiKey);
    if (res.statusCode < 200 || res.statusCode >= 300) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, res.text);
    return { statusCode: res.statusCode };
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
