import { randomUUID } from 'node:crypto';
import type { RedisClient } from './connections.ts';

/** Only the holder's token renews or frees a lock: a holder that outlived its lock must not touch the next one's. */
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A lock one process holds at a time (the message log's sealer and archiver, a feed's poller): SET NX PX with a token
 * of its own. Returns the token, or undefined when another process holds the lock.
 */
export async function takeLock(redis: RedisClient, key: string, ttlMs: number): Promise<string | undefined> {
  const token = randomUUID();
  return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined;
}

/** False when the lock is no longer this token's (it expired, and maybe another process took it). */
export async function renewLock(redis: RedisClient, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(renewScript, 1, key, token, String(ttlMs))) === 1;
}

export async function releaseLock(redis: RedisClient, key: string, token: string): Promise<void> {
  await redis.eval(releaseScript, 1, key, token);
}
