import type { RedisClient } from '../redis/connections.ts';
import type { Logger } from '../logging/logger.ts';
import { publishMessage, type PublishDeps } from '../messages/publish-message.ts';
import type { CarrierTrackingRecord, PostalCarrier } from './postal-carrier.ts';
import { trackingEventType } from './postal-message-types.ts';
import type { TrackingEvent } from './postal-types.ts';
import type { ShipmentStore } from './shipment-store.ts';
import { pollEvery } from '../polling/poll-every.ts';
import type { PollRecorder } from '../polling/poll-health.ts';
import { advanceCursor, pollRound, type PollLock } from '../polling/poll-round.ts';

/** Moves the cursor only while this poller still holds the lock: a poller that lost it cannot rewind another's work. */
/** Pages read in one round at most, so one round stays well inside its lock. */
const maxPagesPerRound = 20;

export interface TrackingPollerDeps {
  redis: RedisClient;
  prefix: string;
  carrierName: string;
  carrier: PostalCarrier;
  store: ShipmentStore;
  publish: PublishDeps;
  routes: Record<string, string[]>;
  logger: Logger;
  lockMs: number;
  /** Counts every record read by what became of it (gateway_tracking_events_total). */
  metrics?: { recordTrackingEvent(carrier: string, outcome: TrackingOutcome): void };
  /** Told of every round this poller ran: counted, and the time of the last good one kept (poll lag). */
  polls?: PollRecorder;
}

/** What became of one record of the feed. */
export type TrackingOutcome = 'published' | 'handed-on-again' | 'stale' | 'duplicate' | 'unknown-shipment' | 'malformed' | 'unknown-status';

export interface TrackingPollResult {
  /** False when another poller held the lock: this round read nothing. */
  polled: boolean;
  records: number;
  /** Events that changed a shipment's state, handed on to the province. */
  published: number;
  /** Older than the shipment's state, or seen before: kept in history or ignored, not handed on. */
  stale: number;
  duplicates: number;
  /** For an order the gateway never created, malformed, or with a code the carrier's table does not know. */
  dropped: number;
}

/**
 * Pulls a carrier's tracking feed with a cursor persisted in Redis, one poller at a time across workers (a lock).
 * Each record is matched to the shipment by its order number (an unknown order is logged and dropped), applied once
 * (shipment-store), and, when it changed the state, queued to the province with a stable id. Only after a whole
 * page is handled does the cursor move past it: a crash before re-reads the page, applies nothing twice and hands
 * on again only what was applied and may not have been handed on (same stable id: nothing new).
 */
export class TrackingPoller {
  private readonly cursorKey: string;
  private readonly lock: PollLock;

  constructor(private readonly deps: TrackingPollerDeps) {
    this.cursorKey = `${deps.prefix}:postal:${deps.carrierName}:tracking-cursor`;
    this.lock = { redis: deps.redis, key: `${deps.prefix}:postal:${deps.carrierName}:tracking-lock`, ttlMs: deps.lockMs };
  }

  cursor(): Promise<string | null> {
    return this.deps.redis.get(this.cursorKey);
  }

  async pollOnce(): Promise<TrackingPollResult> {
    const result: TrackingPollResult = { polled: false, records: 0, published: 0, stale: 0, duplicates: 0, dropped: 0 };
    result.polled = await pollRound(this.lock, this.deps.polls, (token) => this.readPages(token, result));
    return result;
  }

  /** Up to maxPagesPerRound pages from the cursor on, the cursor moved past each page once it is handled. */
  private async readPages(token: string, result: TrackingPollResult): Promise<void> {
    for (let page = 0; page < maxPagesPerRound; page++) {
      const cursor = (await this.cursor()) ?? undefined;
      const { records } = await this.deps.carrier.readTracking(cursor);
      for (const record of records) this.count(await this.handle(record), result);
      result.records += records.length;
      // The highest id read, not the last one: a page served out of order must not step back or skip.
      const next = records.reduce<string | undefined>((max, r) => (max === undefined || r.id > max ? r.id : max), undefined);
      if (next === undefined || (cursor !== undefined && next <= cursor)) return;
      if (!(await advanceCursor(this.lock, this.cursorKey, token, next))) throw new Error('tracking poll lock lost');
      if (records.length < this.deps.carrier.tracking.pageSize) return;
    }
  }

  private count(outcome: TrackingOutcome, result: TrackingPollResult): void {
    this.deps.metrics?.recordTrackingEvent(this.deps.carrierName, outcome);
    if (outcome === 'published') result.published += 1;
    else if (outcome === 'stale') result.stale += 1;
    else if (outcome === 'duplicate' || outcome === 'handed-on-again') result.duplicates += 1;
    else result.dropped += 1;
  }

  /**
   * One record: matched to a shipment the gateway created, or dropped. A record for any other order (another
   * customer's, a test order, a forged one) must never reach the province: it names no dossier of ours, and its
   * order number would be taken for one. Its log line says only the record id and status code.
   */
  private async handle(record: CarrierTrackingRecord): Promise<TrackingOutcome> {
    const log = { carrier: this.deps.carrierName, eventId: record.id, carrierStatus: record.carrierStatus };
    if (!record.orderNumber || !record.occurredAt) {
      this.deps.logger.warn(log, 'tracking record without order number or event time: dropped');
      return 'malformed';
    }
    const shipment = await this.deps.store.byOrderNumber(this.deps.carrierName, record.orderNumber);
    if (!shipment) {
      // Never the order number itself: it is a dossier number, and the record may be another customer's.
      this.deps.logger.warn(log, 'tracking event for an order the gateway never created: dropped');
      return 'unknown-shipment';
    }
    if (!record.state) {
      this.deps.logger.warn({ ...log, shipmentId: shipment.shipmentId }, 'tracking status code not in the carrier table: dropped');
      return 'unknown-status';
    }
    const event: TrackingEvent = {
      shipmentId: shipment.shipmentId,
      orderNumber: record.orderNumber,
      trackingNumber: record.trackingNumber,
      eventId: record.id,
      state: record.state,
      occurredAt: record.occurredAt,
      carrierStatus: record.carrierStatus,
      statusMessage: record.statusMessage,
    };
    const applied = await this.deps.store.apply(event);
    if (applied === 'unknown') {
      // Expired between the look-up and the apply: the script wrote nothing.
      this.deps.logger.warn({ ...log, shipmentId: shipment.shipmentId }, 'tracking event for a shipment no longer held: dropped');
      return 'unknown-shipment';
    }
    if (applied === 'stale') return 'stale';
    if (applied === 'duplicate:stale') return 'duplicate';
    await publishMessage(
      this.deps.publish,
      {
        type: trackingEventType,
        partner: shipment.partner,
        agencyCode: shipment.agencyCode,
        dossierCode: shipment.dossierCode,
        traceId: shipment.shipmentId.replace(/-/g, ''),
        orderingTime: Date.parse(event.occurredAt),
        orderingKey: `shipment:${shipment.shipmentId}`,
        payload: { ...event, carrier: this.deps.carrierName, kind: shipment.kind, dossierCode: shipment.dossierCode },
      },
      `${trackingEventType}|${this.deps.carrierName}|${event.eventId}`,
      this.deps.routes[trackingEventType] ?? [],
    );
    return applied === 'applied' ? 'published' : 'handed-on-again';
  }

  start(intervalMs: number): () => Promise<void> {
    return pollEvery(intervalMs, () => this.pollOnce(), (err) => this.deps.logger.warn({ carrier: this.deps.carrierName, err: err.message }, 'tracking poll failed; retried next round'));
  }
}
