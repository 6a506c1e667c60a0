import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Envelope } from './envelope.ts';
import { maxStoredAttempts } from '../queues/destination-queues.ts';

export type AcceptResult =
  | { kind: 'queued'; messageId: string }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'conflict'; messageId: string };

export interface AcceptOptions {
  idempotencyTtlMs: number;
  retentionMs: number;
}

/** BullMQ deduplication ids are per queue; ours are per partner and key, hashed so any header value is safe. */
export const deduplicationIdOf = (partner: string, idempotencyKey: string) =>
  createHash('sha256').update(`${partner}\u0000${idempotencyKey}`).digest('hex');

/**
 * Dedupe and enqueue in one atomic Redis script (BullMQ's addJob with a TTL deduplication key): either the
 * message is new and its job exists, or the original message id comes back and nothing is added. There is no
 * moment where the key is taken but the job is missing, so a crash in between cannot lose a message.
 */
export async function acceptMessage(queue: Queue, envelope: Envelope, options: AcceptOptions): Promise<AcceptResult> {
  const job = await queue.add(envelope.type, envelope, {
    jobId: envelope.messageId,
    deduplication: { id: deduplicationIdOf(envelope.partner, envelope.idempotencyKey), ttl: options.idempotencyTtlMs },
    attempts: maxStoredAttempts,
    backoff: { type: 'gateway' },
    removeOnComplete: { age: Math.ceil(options.retentionMs / 1000) },
    removeOnFail: false, // dead letters stay until an operator retries or discards them
  });
  if (job.id === envelope.messageId) return { kind: 'queued', messageId: envelope.messageId };

  if (envelope.idempotencyKeySource === 'derived') return { kind: 'duplicate', messageId: job.id! };
  const original = job.id ? await queue.getJob(job.id) : undefined;
  const sameBody = !original || (original.data as Envelope).bodySha256 === envelope.bodySha256;
  return { kind: sameBody ? 'duplicate' : 'conflict', messageId: job.id! };
}
