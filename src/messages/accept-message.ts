import { hash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { MessageLog } from '../audit/message-log.ts';
import type { DossierTimeline } from './dossier-timeline.ts';
import { acceptInOneScript, checkBullmqAdd } from './accept-script.ts';
import type { RedisClient } from '../redis/connections.ts';
import type { Envelope } from './envelope.ts';
import { maxStoredAttempts } from '../queues/destination-queues.ts';

export type AcceptResult =
  | { kind: 'queued'; messageId: string }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'conflict'; messageId: string };

export interface AcceptOptions {
  idempotencyTtlMs: number;
  /** For a partner's signed message, whose messageId names its signature (signed-message-id): remember it. */
  signature?: SignatureMemory;
  /** Where an accepted message (new or duplicate) is recorded: the message log, and the timeline for a new one. */
  records?: AcceptRecords;
  /**
   * On a Redis Cluster (step by step), where the body's digest is kept under its Idempotency-Key (bodyMemoryOf);
   * without it a key reused with another body after its original job was trimmed is taken for a duplicate. The one
   * script writes it itself.
   */
  redis?: RedisClient;
}

export interface AcceptRecords {
  messageLog: MessageLog;
  timeline: DossierTimeline;
  destination: string;
  /** Told when a record could not be written after the message was stored (the message stays accepted). */
  onRecordFailed?: (err: Error) => void;
}

/**
 * An api process's records of an accepted message (a partner's, or an operator's replay): the message log and the
 * timeline, a write that fails after the message was stored logged as a warning by `log()` (made only then).
 */
export function acceptRecords(stores: { messageLog: MessageLog; timeline: DossierTimeline }, destination: string, log: () => { warn(fields: object, message: string): void }): AcceptRecords {
  return { messageLog: stores.messageLog, timeline: stores.timeline, destination, onRecordFailed: (err) => log().warn({ err: err.message }, 'message log or timeline write failed') };
}

/**
 * The signature's job is its first memory (same id, same job, for as long as the job is kept). This key is the
 * second: written only after the job exists, it outlives a job trimmed or discarded early, for as long as the
 * signature could still pass the freshness check, and it points a signature first heard as another message's
 * duplicate (same Idempotency-Key, same body, signed again) at that message.
 */
export interface SignatureMemory {
  /** Used on a Redis Cluster only (step by step); the one-script way writes it on the message log's connection. */
  redis: RedisClient;
  key: string;
  ttlMs: number;
}

/** The message this signature already is, when it was accepted before. */
async function rememberedMessage(queue: Queue, messageId: string, memory: SignatureMemory): Promise<string | undefined> {
  // Two commands, not a pipeline: the job and the memory may live in different Redis Cluster slots.
  const [remembered, jobExists] = await Promise.all([memory.redis.get(memory.key), memory.redis.exists(queue.toKey(messageId))]);
  return remembered ?? (jobExists ? messageId : undefined);
}

/** Best effort: the message is stored whatever happens here, and its job remembers the signature by itself. */
async function remember(memory: SignatureMemory, messageId: string): Promise<void> {
  await memory.redis.set(memory.key, messageId, 'PX', memory.ttlMs, 'NX').catch(() => undefined);
}

/** BullMQ deduplication ids are per queue; ours are per partner and key, hashed so any header value is safe. */
export const deduplicationIdOf = (partner: string, idempotencyKey: string) =>
  hash('sha256', `${partner}\u0000${idempotencyKey}`, 'hex');

/**
 * A partner's own key must carry the same body to be a duplicate (a derived key names the event: a match is one
 * whatever the body). A replay's key is made unique, never met again: nothing to compare, no digest to keep.
 */
const comparesBodies = (envelope: Envelope) => envelope.idempotencyKeySource !== 'derived' && !envelope.replayOf;

const jobOptionsOf = (envelope: Envelope, idempotencyTtlMs: number) => ({
  jobId: envelope.messageId,
  deduplication: { id: deduplicationIdOf(envelope.partner, envelope.idempotencyKey), ttl: idempotencyTtlMs },
  attempts: maxStoredAttempts,
  backoff: { type: 'gateway' },
  // removeOnComplete (age and count) and removeOnFail: false come from the destination queue (DestinationQueues).
});
type JobOptions = ReturnType<typeof jobOptionsOf>;

/**
 * The body's digest under its partner's Idempotency-Key, kept as long as BullMQ's deduplication key: the original job
 * may be trimmed first (retention.completedJobsPerDestination), and a key reused with another body must still be a
 * conflict, not a duplicate that drops the new update. In the queue's key space (its hash tag on a Cluster).
 */
const bodyMemoryOf = (queue: Queue, { deduplication }: JobOptions) => ({
  key: `${queue.toKey('')}idem-body:${deduplication.id}`,
  ttlMs: deduplication.ttl,
});

/**
 * Dedupe and enqueue atomically: either the message is new and its job exists, or the original message id comes
 * back and nothing is added. There is no moment where a deduplication key or a signature's memory exists but the
 * job is missing, so a crash in between cannot lose a message.
 *
 * A signed message is also deduplicated by its signature: its messageId (the job id) is derived from it.
 *
 * On one Redis server (or a Sentinel-watched primary) everything is one script (accept-script.ts): look-up, BullMQ's
 * add, the signature's memory, the log entry and the timeline, one round trip and one fsync. On a Redis Cluster
 * those keys live in different slots, so the same steps go one after another: look-up, BullMQ's add (itself atomic),
 * then the records; there two copies racing past the look-up both hear 202 with the same messageId (one job).
 */
export async function acceptMessage(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const records = options.records;
  if (records && acceptsAtOnce(records.messageLog.redis)) return acceptAtOnce(queue, envelope, options, records);
  return acceptStepByStep(queue, envelope, options);
}

/** One script needs all its keys on one server: one Redis, or a Sentinel-watched primary, not a Cluster. */
const acceptsAtOnce = (redis: RedisClient) => !(redis instanceof Cluster);

/** At start-up, where messages will be accepted in one script: BullMQ still adds jobs the way it composes them. */
export async function checkAcceptAtOnce(queue: Queue, redis: RedisClient): Promise<void> {
  if (acceptsAtOnce(redis)) await checkBullmqAdd(queue);
}

/** The log entry of an accepted message (new: with its body; a duplicate: without), but for its id. */
const acceptedEntry = (envelope: Envelope, kind: 'queued' | 'duplicate') => ({
  direction: 'inbound' as const,
  partner: envelope.partner,
  type: envelope.type,
  outcome: kind,
  bodySha256: envelope.bodySha256,
  body: kind === 'queued' ? envelope.payload : undefined,
});

async function acceptAtOnce(queue: Queue, envelope: Envelope, options: AcceptOptions, records: AcceptRecords): Promise<AcceptResult> {
  const at = new Date().toISOString();
  const [before, queuedAfter] = records.messageLog.lineAround(acceptedEntry(envelope, 'queued'), at);
  const [, duplicateAfter] = records.messageLog.lineAround(acceptedEntry(envelope, 'duplicate'), at);
  const jobOptions = jobOptionsOf(envelope, options.idempotencyTtlMs);
  const { kind, messageId, recordsFailed } = await acceptInOneScript({
    redis: records.messageLog.redis,
    queue,
    envelope: { ...envelope, timelineIndexed: true },
    jobOptions,
    signature: options.signature,
    compareBodies: comparesBodies(envelope),
    log: { key: records.messageLog.keys.pending, before, queuedAfter, duplicateAfter },
    timeline: records.timeline.entryOf(envelope, records.destination),
    bodyMemory: bodyMemoryOf(queue, jobOptions),
  });
  if (recordsFailed) {
    records.onRecordFailed?.(new Error('the signature memory, body digest, log entry or timeline of a stored message could not be written'));
    // Its job says the timeline was written with it, so its worker will not repair it: try once more here. (The
    // script does not say which record failed; writing an entry that is there is harmless, ZADD is idempotent.)
    if (kind === 'queued') await records.timeline.index(envelope, records.destination).catch((err: Error) => records.onRecordFailed?.(err));
  }
  return { kind, messageId };
}

export async function acceptStepByStep(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const memory = options.signature;
  if (memory) {
    const known = await rememberedMessage(queue, envelope.messageId, memory);
    if (known) {
      const duplicate: AcceptResult = { kind: 'duplicate', messageId: known };
      await record(options.records, duplicate, envelope);
      return duplicate;
    }
  }
  // Its timeline entry is written after the job here, so the worker writes it again (a replay's copy may carry the mark).
  const result = await addJob(queue, { ...envelope, timelineIndexed: undefined }, options);
  if (result.kind !== 'conflict') await Promise.all([memory ? remember(memory, result.messageId) : undefined, record(options.records, result, envelope)]);
  return result;
}

/** After the message is safe: a failure here does not undo the acceptance (the worker indexes the timeline again). */
async function record(records: AcceptRecords | undefined, result: AcceptResult, envelope: Envelope): Promise<void> {
  if (!records || result.kind === 'conflict') return;
  const { direction, ...entry } = acceptedEntry(envelope, result.kind);
  await Promise.all([records.messageLog.append({ direction, messageId: result.messageId, ...entry }), result.kind === 'queued' ? records.timeline.index(envelope, records.destination) : undefined]).catch((err: Error) => records.onRecordFailed?.(err));
}

async function addJob(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const jobOptions = jobOptionsOf(envelope, options.idempotencyTtlMs);
  const job = await queue.add(envelope.type, envelope, jobOptions);
  const bodyMemory = bodyMemoryOf(queue, jobOptions);
  const compareBodies = comparesBodies(envelope);
  if (job.id === envelope.messageId) {
    // After the job, best effort (as the signature's memory): without it a trimmed original cannot be compared.
    if (compareBodies) await options.redis?.set(bodyMemory.key, envelope.bodySha256, 'PX', bodyMemory.ttlMs).catch(() => undefined);
    return { kind: 'queued', messageId: envelope.messageId };
  }

  if (!compareBodies) return { kind: 'duplicate', messageId: job.id! };
  const original = job.id ? await queue.getJob(job.id) : undefined;
  const originalBody = original ? (original.data as Envelope).bodySha256 : await options.redis?.get(bodyMemory.key);
  const sameBody = !originalBody || originalBody === envelope.bodySha256;
  return { kind: sameBody ? 'duplicate' : 'conflict', messageId: job.id! };
}
