import type { ConnectorContext } from '../../src/connectors/connector-types.ts';
import { CallbackRefused, type CallbackRequest } from '../../src/payments/payment-provider.ts';
import type { TrackingEvent, TrackingReceiver, TrackingVerdict } from '../../src/postal/postal-types.ts';
import { fromCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { callbackSignature, sameSignature, statusCodes } from './mapping.ts';
import { vnpostOptionsOf, type VnpostOptions } from './options.ts';

/** Callbacks older or newer than this are refused: a replayed callback is stale. */
const callbackToleranceMs = 5 * 60_000;

interface CarrierEvent {
  EventId?: string;
  OrderNumber?: string;
  ItemCode?: string;
  StatusCode?: string;
  StatusMessage?: string;
  OccurredAt?: string;
  Location?: string;
}

/**
 * The carrier's tracking callbacks: `{ events: [...] }`, signed with HMAC-SHA256 over `timestamp.body` (headers
 * X-VNPost-Timestamp, X-VNPost-Signature), within ±5 minutes. Our profile: VNPost's callback format is not public.
 */
export class VnpostTrackingReceiver implements TrackingReceiver {
  private readonly options: VnpostOptions;

  constructor(context: ConnectorContext) {
    this.options = vnpostOptionsOf(context.destination.options);
  }

  async readCallback(request: CallbackRequest): Promise<TrackingEvent[]> {
    if (request.method !== 'POST' || !request.rawBody) throw new CallbackRefused('malformed', 'tracking callback must be a POST with a JSON body');
    const timestamp = String(request.headers['x-vnpost-timestamp'] ?? '');
    const signature = request.headers['x-vnpost-signature'];
    if (!sameSignature(callbackSignature(this.options.callbackSecret, timestamp, request.rawBody), typeof signature === 'string' ? signature : undefined)) {
      throw new CallbackRefused('invalid-signature', 'X-VNPost-Signature does not match');
    }
    if (!/^\d{13}$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > callbackToleranceMs) throw new CallbackRefused('invalid-signature', 'X-VNPost-Timestamp outside ±5 minutes');
    let body: { events?: CarrierEvent[] };
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new CallbackRefused('malformed', 'body is not valid JSON');
    }
    if (!Array.isArray(body?.events) || body.events.length === 0 || body.events.length > 100) throw new CallbackRefused('malformed', 'events must be a list of 1 to 100');
    return body.events.map((e, i) => {
      const state = statusCodes[String(e.StatusCode)];
      const occurredAt = fromCompactVnTime(String(e.OccurredAt));
      if (!e.EventId || !e.OrderNumber || !e.ItemCode || !state || !occurredAt) throw new CallbackRefused('malformed', `events[${i}] lacks EventId, OrderNumber, ItemCode, a known StatusCode or OccurredAt`);
      return { shipmentId: e.OrderNumber, trackingNumber: e.ItemCode, eventId: e.EventId, state, occurredAt, carrierStatus: String(e.StatusCode), note: e.StatusMessage, location: e.Location };
    });
  }

  reply(verdict: TrackingVerdict, counts?: { received: number; applied: number }) {
    switch (verdict) {
      case 'accepted':
        return { statusCode: 200, body: { status: 'accepted', ...counts } };
      case 'invalid-signature':
        return { statusCode: 401, body: { status: 'refused', reason: 'signature' } };
      case 'malformed':
        return { statusCode: 400, body: { status: 'refused', reason: 'malformed' } };
      default:
        return { statusCode: 503, body: { status: 'error', reason: 'retry later' } };
    }
  }
}
