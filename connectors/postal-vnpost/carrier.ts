import type { ConnectorContext, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { jsonOrUndefined } from '../../src/connectors/json-or-undefined.ts';
import { DeliveryError, deliveryErrorFromResponse, isRetryableStatus } from '../../src/delivery/delivery-error.ts';
import { traceHeaders } from '../../src/observability/trace-context.ts';
import type { PostalCarrier, TrackingPage } from '../../src/postal/postal-carrier.ts';
import type { PostalShipmentV1 } from '../../src/postal/postal-message-types.ts';
import { toVnpostOrderBody, vnpostOrderNumberOf } from './order-body.ts';
import { vnpostOptionsOf, type VnpostOptions } from './options.ts';
import { feedStart, readTrackingPage, type VnpostTrackingPage } from './tracking-feed.ts';
import { VnpostApi } from './vnpost-api.ts';

/** The SDK's MResult: what order/post and the cancel answer. Its Status values are not public. */
interface VnpostResult {
  Status?: number;
  Message?: string;
}

const resultOf = (text: string) => {
  const result = jsonOrUndefined(text) as VnpostResult | undefined;
  return { carrierStatus: result?.Status === undefined ? undefined : String(result.Status), message: typeof result?.Message === 'string' ? result.Message.slice(0, 200) : undefined };
};

/**
 * VNPost as VietOpenCPS' client calls it through the NGSP (VNPostManagementImpl and the SDK's IOrder): an order is
 * `POST order/post` with MOrder; tracking is pulled by `GET <tracking>?pagesize=&lastId=`; a cancel is
 * `GET <cancel>?CustomerCode=&OrderNumber=`. The SDK treats any HTTP status but 200 as a failure and reads the
 * answer's body only then; so do we.
 */
export class VnpostCarrier implements PostalCarrier {
  private readonly options: VnpostOptions;
  private readonly api: VnpostApi;
  readonly tracking: { intervalMs: number; pageSize: number };

  constructor(private readonly context: ConnectorContext) {
    this.options = vnpostOptionsOf(context.destination.options);
    this.api = new VnpostApi(context, this.options);
    this.tracking = { intervalMs: this.options.trackingPollIntervalMs, pageSize: this.options.trackingPageSize };
  }

  orderNumberOf(shipment: PostalShipmentV1): string {
    return vnpostOrderNumberOf(shipment);
  }

  async createOrder(shipment: PostalShipmentV1, request: DeliveryRequest) {
    const body = Buffer.from(JSON.stringify(toVnpostOrderBody(shipment, this.options.customerCode)));
    const res = await this.api.call({
      operation: 'order',
      method: 'POST',
      path: this.options.orderPath,
      body,
      // Ours, not the SDK's: the message's idempotency key, trace id and the gateway's signature travel along.
      headers: { 'idempotency-key': request.idempotencyKey, ...traceHeaders(request.traceId), 'x-signature': this.context.signOutbound(body) },
      notAfter: request.claimFresh,
    });
    if (res.statusCode !== 200) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, res.text);
    return { statusCode: res.statusCode, ...resultOf(res.text) };
  }

  async readTracking(cursor: string | undefined): Promise<TrackingPage> {
    const query = `?pagesize=${this.options.trackingPageSize}&lastId=${encodeURIComponent(cursor ?? feedStart)}`;
    const res = await this.api.call({ operation: 'tracking', method: 'GET', path: this.options.trackingPath + query });
    if (res.statusCode !== 200) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, res.text);
    const page = jsonOrUndefined(res.text) as VnpostTrackingPage | undefined;
    if (!page || typeof page !== 'object') throw new DeliveryError(`tracking page from ${this.context.destinationName} is not JSON`, true, res.statusCode);
    return { records: readTrackingPage(page) };
  }

  async cancel(orderNumber: string) {
    const query = `?CustomerCode=${encodeURIComponent(this.options.customerCode)}&OrderNumber=${encodeURIComponent(orderNumber)}`;
    const res = await this.api.call({ operation: 'cancel', method: 'GET', path: this.options.cancelPath + query });
    if (isRetryableStatus(res.statusCode)) throw deliveryErrorFromResponse(this.context.destinationName, res.statusCode, res.headers, res.text);
    return { outcome: res.statusCode === 200 ? ('cancelled' as const) : ('refused' as const), statusCode: res.statusCode, ...resultOf(res.text) };
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
