import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The acceptance time (the job's own timestamp) of the oldest message waiting for a worker and of the oldest one
 * waiting for a retry, in one round trip. Waiting is a list, oldest at its tail. Retries sit in the delayed sorted
 * set, ordered by when they run next, not by age (a message retried for hours has the longest backoff), so the
 * set is read: at most `limit` entries (those due soonest), each one HGET, well under a millisecond a thousand.
 * The job keys share the queue's hash tag, so this is one slot on a Cluster, as BullMQ's own scripts are.
 */
const oldestLua = `
local function stamp(id)
  if not id then return nil end
  local t = redis.call('HGET', ARGV[1] .. id, 'timestamp')
  return t and tonumber(t) or nil
end
local waiting = stamp(redis.call('LINDEX', KEYS[1], -1)) or 0
local delayed = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)) do
  local t = stamp(id)
  if t and (delayed == 0 or t < delayed) then delayed = t end
end
return { tostring(waiting), tostring(delayed) }
`;

/** Delayed entries read per scrape at most: a backlog larger than this reports the oldest among those due first. */
const delayedScanLimit = 10_000;

export interface OldestQueued {
  /** Epoch ms; undefined when nothing waits in that state. */
  waitingSince?: number;
  retryingSince?: number;
}

export async function oldestQueued(queue: Queue): Promise<OldestQueued> {
  // The queue's own ioredis client (BullMQ types it by its backend interface, which has no eval).
  const client = (await queue.backend.connection.client) as unknown as Redis;
  const [waiting, delayed] = (await client.eval(oldestLua, 2, queue.keys.wait!, queue.keys.delayed!, queue.toKey(''), String(delayedScanLimit))) as [string, string];
  return { waitingSince: Number(waiting) || undefined, retryingSince: Number(delayed) || undefined };
}
