import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
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
  /**
   * What else to write once the message is stored or known as a duplicate (the message log, the timeline): sent
   * together with remembering the signature, so the two cost one round trip, not two. Not called on a conflict.
   */
  record?: (result: AcceptResult) => Promise<void>;
}

/**
 * The signature's job is its first memory (same id, same job, for as long as the job is kept). This key is the
 * second: written only after the job exists, it outlives a job trimmed or discarded early, for as long as the
 * signature could still pass the freshness check, and it points a signature first heard as another message's
 * duplicate (same Idempotency-Key, same body, signed again) at that message.
 */
export interface SignatureMemory {
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
  createHash('sha256').update(`${partner}\u0000${idempotencyKey}`).digest('hex');

/**
 * Dedupe and enqueue in one atomic Redis script (BullMQ's addJob with a TTL deduplication key): either the
 * message is new and its job exists, or the original message id comes back and nothing is added. There is no
 * moment where the key is taken but the job is missing, so a crash in between cannot lose a message.
 *
 * A signed message is also deduplicated by its signature: its messageId (the job id) is derived from it, and the
 * add script answers an existing job id with that job. The look-up first only tells 202 from 200 (the add alone
 * returns the same id either way): two copies racing past it both hear 202 with the same messageId, and there is
 * still one job.
 */
export async function acceptMessage(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const memory = options.signature;
  if (memory) {
    const known = await rememberedMessage(queue, envelope.messageId, memory);
    if (known) {
      const duplicate: AcceptResult = { kind: 'duplicate', messageId: known };
      await options.record?.(duplicate);
      return duplicate;
    }
  }
  const result = await addJob(queue, envelope, options);
  if (result.kind !== 'conflict') await Promise.all([memory ? remember(memory, result.messageId) : undefined, options.record?.(result)]);
  return result;
}

async function addJob(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const job = await queue.add(envelope.type, envelope, {
    jobId: envelope.messageId,
    deduplication: { id: deduplicationIdOf(envelope.partner, envelope.idempotencyKey), ttl: options.idempotencyTtlMs },
    attempts: maxStoredAttempts,
    backoff: { type: 'gateway' },
    // removeOnComplete (age and count) and removeOnFail: false come from the destination queue (DestinationQueues).
  });
  if (job.id === envelope.messageId) return { kind: 'queued', messageId: envelope.messageId };

  if (envelope.idempotencyKeySource === 'derived') return { kind: 'duplicate', messageId: job.id! };
  const original = job.id ? await queue.getJob(job.id) : undefined;
  const sameBody = !original || (original.data as Envelope).bodySha256 === envelope.bodySha256;
  return { kind: sameBody ? 'duplicate' : 'conflict', messageId: job.id! };
}
