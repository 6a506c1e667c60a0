import { createHash } from 'node:crypto';
import type { MessageLog } from '../audit/message-log.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';
import { maxStoredAttempts } from '../queues/destination-queues.ts';
import type { DossierTimeline } from './dossier-timeline.ts';
import type { Envelope } from './envelope.ts';
import type { ProducedEvent } from '../connectors/connector-types.ts';

/** A UUID-shaped id that is the same every time for the same name: one copy per event and destination. */
export function stableMessageId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface PublishDeps {
  queues: DestinationQueues;
  timeline: DossierTimeline;
  messageLog: MessageLog;
}

/** What the gateway says about a message it produced itself; the rest of its envelope follows from this. */
export type ProducedMessage = Pick<Envelope, 'type' | 'partner' | 'agencyCode' | 'dossierCode' | 'traceId' | 'orderingTime' | 'orderingKey' | 'payload'>;

/**
 * Queues a message the gateway itself produced (a payment result, a tracking event) to every destination its
 * route names. `eventName` names the business event: it is the message's idempotency key, and each copy's job id is
 * derived from it and the destination, so publishing the same event again (a retried outbox, a duplicate callback
 * racing) adds nothing: BullMQ keeps one job per id. Returns the message id of each copy by destination.
 */
export async function publishMessage(deps: PublishDeps, message: ProducedMessage, eventName: string, destinations: string[]): Promise<Record<string, string>> {
  const envelope: Omit<Envelope, 'messageId'> = {
    ...message,
    idempotencyKey: eventName,
    idempotencyKeySource: 'derived',
    bodySha256: createHash('sha256').update(JSON.stringify(message.payload)).digest('hex'),
    receivedAt: new Date().toISOString(),
  };
  const ids: Record<string, string> = {};
  for (const destination of destinations) {
    const copy: Envelope = { ...envelope, messageId: stableMessageId(`${eventName}|${destination}`) };
    const job = await deps.queues.get(destination).add(copy.type, copy, {
      jobId: copy.messageId,
      attempts: maxStoredAttempts,
      backoff: { type: 'gateway' },
    });
    ids[destination] = job.id!;
  }
  const pipeline = deps.timeline.redisPipeline();
  for (const [destination, messageId] of Object.entries(ids)) {
    deps.messageLog.appendInto(pipeline, { direction: 'inbound', messageId, partner: envelope.partner, destination, type: envelope.type, outcome: 'queued', bodySha256: envelope.bodySha256, body: envelope.payload });
    deps.timeline.indexInto(pipeline, { ...envelope, messageId } as Envelope, destination);
  }
  await pipeline.exec();
  return ids;
}

/** The events a delivery produced, each queued on to its route as a message of its own. */
export async function publishProducedEvents(deps: PublishDeps, routes: Record<string, string[]>, origin: Envelope, events: ProducedEvent[]): Promise<void> {
  for (const event of events) {
    const { type, orderingTime, orderingKey, payload } = event;
    const { partner, agencyCode, dossierCode, traceId } = origin;
    await publishMessage(deps, { type, partner, agencyCode, dossierCode, traceId, orderingTime, orderingKey, payload }, event.name, routes[type] ?? []);
  }
}
