import type { RedisClient } from '../redis/connections.ts';
import { releaseLock, takeLock } from '../redis/token-lock.ts';
import type { PollRecorder } from './poll-health.ts';

/** Moves a feed's cursor only while the round still holds the feed's lock. */
const advanceCursorLua = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) return 1 end return 0`;

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
  const token = await takeLock(lock.redis, lock.key, lock.ttlMs);
  if (!token) return false;
  try {
    await read(token);
    await polls?.succeeded();
    return true;
  } catch (err) {
    polls?.failed();
    throw err;
  } finally {
    await releaseLock(lock.redis, lock.key, token);
  }
}

/** Sets the feed's cursor if the round holding `token` still holds the lock; false when it lost it. */
export async function advanceCursor(lock: PollLock, cursorKey: string, token: string, cursor: string): Promise<boolean> {
  return (await lock.redis.eval(advanceCursorLua, 2, lock.key, cursorKey, token, cursor)) === 1;
}
