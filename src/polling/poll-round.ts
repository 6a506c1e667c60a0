import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connections.ts';
import type { PollRecorder } from './poll-health.ts';

/** Deletes the lock only if this round still holds it (a round that outlived its lock must not free another's). */
const releaseLockLua = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface PollLock {
  redis: RedisClient;
  key: string;
  ttlMs: number;
}

/**
 * One round of reading a feed, by one worker at a time: the round runs only if it takes the feed's lock (its token
 * is handed to `read`, which may check it holds the lock while it writes), its outcome is recorded for the poll-lag
 * metrics, and the lock is released whatever happens. Returns false when another worker held the lock (no round).
 */
export async function pollRound(lock: PollLock, polls: PollRecorder | undefined, read: (token: string) => Promise<void>): Promise<boolean> {
  const token = randomUUID();
  if ((await lock.redis.set(lock.key, token, 'PX', lock.ttlMs, 'NX')) !== 'OK') return false;
  try {
    await read(token);
    await polls?.succeeded();
    return true;
  } catch (err) {
    polls?.failed();
    throw err;
  } finally {
    await lock.redis.eval(releaseLockLua, 1, lock.key, token);
  }
}
