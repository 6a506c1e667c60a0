import { Pool } from 'undici';
import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { deliveryErrorFromNetwork, deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import { toProvincialEvent } from './mapping.ts';
import { provincialOptionsOf, type ProvincialOptions } from './options.ts';

/** Delivers gateway events (payment results, tracking events, online submissions) to the province's one-stop system. */
export class ProvincialSystemClient implements DeliveryClient {
  private readonly pool: Pool;
  private readonly options: ProvincialOptions;

  constructor(private readonly context: ConnectorContext) {
    this.options = provincialOptionsOf(context.destination.options);
    this.pool = new Pool(context.destination.baseUrl, { connections: context.destination.concurrency * 2 });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const body = Buffer.from(JSON.stringify(toProvincialEvent(request.envelope)));
    let res;
    try {
      res = await this.pool.request({
        path: this.options.eventsPath,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.apiKey}`,
          'idempotency-key': request.idempotencyKey,
          'x-trace-id': request.traceId,
          'x-signature': this.context.signOutbound(body),
        },
        body,
        signal: AbortSignal.timeout(this.context.destination.timeoutMs),
      });
    } catch (err) {
      throw deliveryErrorFromNetwork(this.context.destinationName, err);
    }
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, text);
    return { statusCode: res.statusCode };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
