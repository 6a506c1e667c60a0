import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { shipmentStates, type ShipmentState, type TrackingEvent } from './postal-types.ts';

const applyTrackingEventLua = readFileSync(new URL('./scripts/apply-tracking-event.lua', import.meta.url), 'utf8');

export type ApplyResult = 'applied' | 'stale' | 'duplicate';

export interface ShipmentTracking {
  trackingNumber?: string;
  state?: ShipmentState;
  stateTime?: string;
  history: TrackingEvent[];
}

/** Tracking state per shipment, applied by one atomic script per event (see apply-tracking-event.lua). */
export class ShipmentStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retentionMs: number,
  ) {
    this.base = `${prefix}:shipment`;
  }

  private keys(shipmentId: string): [string, string, string] {
    const base = `${this.base}:{${shipmentId}}`;
    return [base, `${base}:seen`, `${base}:history`];
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
      event.trackingNumber,
      JSON.stringify(event),
      String(shipmentStates.indexOf(event.state)),
    )) as ApplyResult;
    if (result !== 'duplicate') await this.redis.pipeline(keys.map((k) => ['pexpire', k, this.retentionMs])).exec();
    return result;
  }

  async tracking(shipmentId: string): Promise<ShipmentTracking> {
    const [hash, , history] = this.keys(shipmentId);
    const [fields, events] = await Promise.all([this.redis.hgetall(hash), this.redis.lrange(history, 0, -1)]);
    return {
      trackingNumber: fields.trackingNumber,
      state: fields.state as ShipmentState | undefined,
      stateTime: fields.stateTime ? new Date(Number(fields.stateTime)).toISOString() : undefined,
      history: events.map((e) => JSON.parse(e) as TrackingEvent).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt)),
    };
  }
}
