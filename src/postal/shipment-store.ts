import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connections.ts';
import { shipmentStates, type CancelOutcome, type ShipmentRecord, type ShipmentState, type TrackingEvent } from './postal-types.ts';

const applyTrackingEventLua = readFileSync(new URL('./scripts/apply-tracking-event.lua', import.meta.url), 'utf8');

/**
 * What applying an event did: changed the state, only joined the history, nothing (seen before: what it did then), or
 * nothing because the gateway holds no such shipment.
 */
export type ApplyResult = 'applied' | 'stale' | 'duplicate:applied' | 'duplicate:stale' | 'unknown';

export interface ShipmentTracking {
  trackingNumber?: string;
  state?: ShipmentState;
  stateTime?: string;
  history: TrackingEvent[];
  cancellation?: CancelOutcome;
}

const recordFields = ['shipmentId', 'carrier', 'orderNumber', 'partner', 'agencyCode', 'dossierCode', 'kind'] as const;

/**
 * Shipments the gateway asked a carrier for: who asked (partner, agency, dossier) kept with the shipment, an index
 * from the carrier's order number to it, the tracking state applied by one atomic script per event
 * (apply-tracking-event.lua) and the cancellation's outcome. Everything expires after the retention.
 */
export class ShipmentStore {
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly retentionMs: number,
  ) {
    this.base = `${prefix}:shipment`;
  }

  private keys(shipmentId: string): [string, string, string] {
    const base = `${this.base}:{${shipmentId}}`;
    return [base, `${base}:events`, `${base}:history`];
  }

  private orderKey(carrier: string, orderNumber: string): string {
    return `${this.base}-order:${carrier}:${orderNumber}`;
  }

  /** Before the carrier is asked: from then on its events for this order number find the shipment. */
  async register(record: ShipmentRecord): Promise<void> {
    const [hash] = this.keys(record.shipmentId);
    await this.redis
      .multi()
      .hset(hash, Object.fromEntries(recordFields.map((f) => [f, record[f]])))
      .pexpire(hash, this.retentionMs)
      .set(this.orderKey(record.carrier, record.orderNumber), record.shipmentId, 'PX', this.retentionMs)
      .exec();
  }

  async byOrderNumber(carrier: string, orderNumber: string): Promise<ShipmentRecord | undefined> {
    const shipmentId = await this.redis.get(this.orderKey(carrier, orderNumber));
    return shipmentId ? this.record(shipmentId) : undefined;
  }

  async record(shipmentId: string): Promise<ShipmentRecord | undefined> {
    const fields = await this.redis.hmget(this.keys(shipmentId)[0], ...recordFields);
    if (fields.some((f) => f === null)) return undefined;
    return Object.fromEntries(recordFields.map((f, i) => [f, fields[i]])) as unknown as ShipmentRecord;
  }

  async apply(event: TrackingEvent): Promise<ApplyResult> {
    const keys = this.keys(event.shipmentId);
    const result = (await this.redis.eval(
      applyTrackingEventLua,
      3,
      ...keys,
      event.eventId,
      event.state,
      String(Date.parse(event.occurredAt)),
      event.trackingNumber ?? '',
      JSON.stringify(event),
      String(shipmentStates.indexOf(event.state)),
    )) as ApplyResult;
    if (result === 'applied' || result === 'stale') await this.redis.pipeline(keys.map((k) => ['pexpire', k, this.retentionMs])).exec();
    return result;
  }

  async recordCancellation(shipmentId: string, outcome: CancelOutcome): Promise<void> {
    await this.redis.hset(this.keys(shipmentId)[0], 'cancellation', JSON.stringify(outcome));
  }

  async tracking(shipmentId: string): Promise<ShipmentTracking> {
    const [hash, , history] = this.keys(shipmentId);
    const [fields, events] = await Promise.all([this.redis.hgetall(hash), this.redis.lrange(history, 0, -1)]);
    return {
      trackingNumber: fields.trackingNumber,
      state: fields.state as ShipmentState | undefined,
      stateTime: fields.stateTime ? new Date(Number(fields.stateTime)).toISOString() : undefined,
      history: events.map((e) => JSON.parse(e) as TrackingEvent).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt)),
      cancellation: fields.cancellation ? (JSON.parse(fields.cancellation) as CancelOutcome) : undefined,
    };
  }
}
