import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/connections.ts';
import { acceptMessage, type AcceptOptions } from '../messages/accept-message.ts';
import type { DeliveryOutcome, Envelope } from '../messages/envelope.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';
import { GatewayError } from '../http/errors.ts';

export interface DeadLetterFilter {
  destination?: string;
  partner?: string;
  dossierCode?: string;
  /** PERMANENT, RETRIES_EXHAUSTED or UNKNOWN (e.g. a job that stalled too often). */
  errorCode?: string;
  /** The destination's HTTP status in the failure; null: failures without one (a timeout, a refused connection). */
  statusCode?: number | null;
  /** Failed at or after / before, epoch ms. */
  since?: number;
  until?: number;
}

export interface DeadLetter {
  job: Job<Envelope, DeliveryOutcome>;
  destination: string;
}

export interface DeadLetterSummary {
  messageId: string;
  destination: string;
  type: string;
  partner: string;
  dossierCode: string;
  errorCode: string;
  statusCode: number | null;
  reason: string;
  attempts: number;
  failedAt: string | null;
}

/** The worker writes "PERMANENT: HTTP 400 from …" or "RETRIES_EXHAUSTED after N attempts: …". */
export function classifyFailure(reason: string): { errorCode: string; statusCode: number | null } {
  const errorCode = /^(PERMANENT|RETRIES_EXHAUSTED)\b/.exec(reason)?.[1] ?? 'UNKNOWN';
  const status = /HTTP (\d{3})/.exec(reason)?.[1];
  return { errorCode, statusCode: status ? Number(status) : null };
}

export function summarize({ job, destination }: DeadLetter): DeadLetterSummary {
  const reason = job.failedReason ?? '';
  return {
    messageId: job.id!,
    destination,
    type: job.data.type,
    partner: job.data.partner,
    dossierCode: job.data.dossierCode,
    ...classifyFailure(reason),
    reason,
    attempts: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const { job } = letter;
  if (filter.partner && job.data.partner !== filter.partner) return false;
  if (filter.dossierCode && job.data.dossierCode !== filter.dossierCode) return false;
  const failure = classifyFailure(job.failedReason ?? '');
  if (filter.errorCode && failure.errorCode !== filter.errorCode) return false;
  if (filter.statusCode !== undefined && failure.statusCode !== filter.statusCode) return false;
  if (filter.since && (job.finishedOn ?? 0) < filter.since) return false;
  if (filter.until && (job.finishedOn ?? 0) >= filter.until) return false;
  return true;
}

/**
 * A group is what an operator acts on at once: one destination, one error code, one HTTP status. Its filter is
 * exactly these three, so "retry the group" touches the group's letters and no other dead letter of the destination.
 */
export interface DeadLetterGroup {
  destination: string;
  errorCode: string;
  statusCode: number | null;
  count: number;
  oldestFailedAt: string | null;
  newestFailedAt: string | null;
  filter: { destination: string; errorCode: string; statusCode: number | 'none' };
}

export function groupDeadLetters(summaries: DeadLetterSummary[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetterGroup>();
  for (const s of summaries) {
    const key = JSON.stringify([s.destination, s.errorCode, s.statusCode]);
    let group = groups.get(key);
    if (!group) {
      group = {
        destination: s.destination,
        errorCode: s.errorCode,
        statusCode: s.statusCode,
        count: 0,
        oldestFailedAt: s.failedAt,
        newestFailedAt: s.failedAt,
        filter: { destination: s.destination, errorCode: s.errorCode, statusCode: s.statusCode ?? 'none' },
      };
      groups.set(key, group);
    }
    group.count += 1;
    if (s.failedAt && (!group.oldestFailedAt || s.failedAt < group.oldestFailedAt)) group.oldestFailedAt = s.failedAt;
    if (s.failedAt && (!group.newestFailedAt || s.failedAt > group.newestFailedAt)) group.newestFailedAt = s.failedAt;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.destination.localeCompare(b.destination));
}

const pageSize = 500;

/**
 * Dead letters are each destination queue's failed jobs (kept until an operator acts), newest first across every
 * destination: each queue gives its newest `limit` matches (BullMQ keeps them by failure time), which hold the newest
 * `limit` of all, merged by failure time. (Taken queue after queue, the first destination's letters filled the
 * list and hid newer ones of the others.)
 */
export async function findDeadLetters(queues: DestinationQueues, filter: DeadLetterFilter, limit = Number.MAX_SAFE_INTEGER): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  for (const [destination, queue] of queues.all()) {
    if (filter.destination && filter.destination !== destination) continue;
    let ofThisQueue = 0;
    for (let start = 0; ofThisQueue < limit; start += pageSize) {
      const jobs = (await queue.getFailed(start, start + pageSize - 1)) as Job<Envelope, DeliveryOutcome>[];
      for (const job of jobs) {
        const letter = { job, destination };
        if (job && matches(letter, filter) && ofThisQueue < limit) {
          found.push(letter);
          ofThisQueue += 1;
        }
      }
      if (jobs.length < pageSize) break;
    }
  }
  return found.sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0)).slice(0, limit);
}

/** Back to the queue with a fresh retry budget: the live policy's maxAgeMs counts again from the retry. */
export async function retryDeadLetters(letters: DeadLetter[]): Promise<number> {
  let retried = 0;
  for (let i = 0; i < letters.length; i += 100) {
    const batch = letters.slice(i, i + 100);
    const results = await Promise.allSettled(
      batch.map(async ({ job }) => {
        // Data first: a crash between the two leaves a dead letter with a later budget start, which is harmless.
        await job.updateData({ ...job.data, retriedAt: new Date().toISOString() });
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      }),
    );
    retried += results.filter((r) => r.status === 'fulfilled').length;
  }
  return retried;
}

/** What remains of a discarded dead letter, so its partner still learns it is dead and why. */
export interface DiscardedMessage {
  messageId: string;
  partner: string;
  type: string;
  dossierCode: string;
  destination: string;
  attempts: number;
  lastError: string;
  receivedAt: string;
  discardedAt: string;
}

export const discardedKey = (prefix: string, messageId: string) => `${prefix}:discarded:${messageId}`;

export async function discardDeadLetter(redis: RedisClient, prefix: string, retentionMs: number, { job, destination }: DeadLetter, reason: string, actor: string): Promise<void> {
  const record: DiscardedMessage = {
    messageId: job.id!,
    partner: job.data.partner,
    type: job.data.type,
    dossierCode: job.data.dossierCode,
    destination,
    attempts: job.attemptsMade,
    lastError: `DISCARDED by ${actor}: ${reason} (was: ${job.failedReason})`,
    receivedAt: job.data.receivedAt,
    discardedAt: new Date().toISOString(),
  };
  await redis.set(discardedKey(prefix, job.id!), JSON.stringify(record), 'PX', retentionMs);
  // BullMQ's remove also deletes the job's deduplication key (trimming does not): the partner's Idempotency-Key
  // would be forgotten, and the same message sent again queued anew. The key is put back as it was.
  const deduplicationKey = job.deduplicationId ? `${job.queueQualifiedName}:de:${job.deduplicationId}` : undefined;
  const [[, holder], [, ttlMs]] = deduplicationKey ? ((await redis.multi().get(deduplicationKey).pttl(deduplicationKey).exec()) as [[null, string | null], [null, number]]) : [[null, null], [null, -2]];
  try {
    // Looked at again just before: an operator's retry meanwhile put it back in the queue, and it is not dead now.
    if ((await job.getState()) !== 'failed') throw new Error('no longer failed');
    await job.remove();
  } catch (err) {
    await redis.del(discardedKey(prefix, job.id!));
    throw new GatewayError('NOT_FOUND', `${job.id} is no longer a dead letter (retried meanwhile?): nothing discarded`, [{ path: '/messageId', message: (err as Error).message }]);
  }
  if (deduplicationKey && holder === job.id && ttlMs > 0) await redis.set(deduplicationKey, holder, 'PX', ttlMs, 'NX');
}

export async function readDiscarded(redis: RedisClient, prefix: string, messageId: string): Promise<DiscardedMessage | undefined> {
  const text = await redis.get(discardedKey(prefix, messageId));
  return text ? (JSON.parse(text) as DiscardedMessage) : undefined;
}

/**
 * Re-delivers a message as a new one (new messageId, so the receiver's idempotency does not swallow it), marked
 * as a replay of the original. Per-dossier ordering still holds: a replay older than what was delivered since
 * ends superseded, never overtaking newer news.
 */
export async function replayMessage(queues: DestinationQueues, destination: string, original: Envelope, options: AcceptOptions): Promise<string> {
  const messageId = randomUUID();
  // A new message: its retry budget counts from now, not from the original's retry (retriedAt) or acceptance.
  const { retriedAt: _originalRetry, ...rest } = original;
  const copy: Envelope = {
    ...rest,
    messageId,
    idempotencyKey: `replay:${original.messageId}:${messageId}`,
    idempotencyKeySource: 'header',
    receivedAt: new Date().toISOString(),
    replayOf: original.messageId,
  };
  await acceptMessage(queues.get(destination), copy, options);
  return messageId;
}
