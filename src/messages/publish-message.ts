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
  retentionMs: number;
}

/**
 * Queues a message the gateway itself produced (a payment result, a tracking event) to every destination its
 * route names. Each copy's job id is derived from the event and the destination, so publishing the same event
 * again (a retried outbox, a duplicate callback racing) adds nothing: BullMQ keeps one job per id.
 * Returns the message id of each copy by destination.
 */
export async function publishMessage(deps: PublishDeps, envelope: Omit<Envelope, 'messageId'>, eventName: string, destinations: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const destination of destinations) {
    const copy: Envelope = { ...envelope, messageId: stableMessageId(`${eventName}|${destination}`) };
    const job = await deps.queues.get(destination).add(copy.type, copy, {
      jobId: copy.messageId,
      attempts: maxStoredAttempts,
      backoff: { type: 'gateway' },
      removeOnComplete: { age: Math.ceil(deps.retentionMs / 1000) },
      removeOnFail: false,
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
    const body = JSON.stringify(event.payload);
    await publishMessage(
      deps,
      {
        type: event.type,
        partner: origin.partner,
        agencyCode: origin.agencyCode,
        dossierCode: origin.dossierCode,
        idempotencyKey: event.name,
        idempotencyKeySource: 'derived',
        bodySha256: createHash('sha256').update(body).digest('hex'),
        traceId: origin.traceId,
        receivedAt: new Date().toISOString(),
        orderingTime: event.orderingTime,
        orderingKey: event.orderingKey,
        payload: event.payload,
      },
      event.name,
      routes[event.type] ?? [],
    );
  }
}
