import type { RedisClient } from './connections.ts';

/** Start-up gave up on Redis: one line for the operator, naming where it looked and what it last heard. */
export class RedisUnreachableError extends Error {
  constructor(where: string, waitedMs: number, lastError: string) {
    super(
      `cannot reach Redis at ${where} within ${Number((waitedMs / 1000).toFixed(1))} s (${lastError}). ` +
        'Fix: start Redis there, or correct REDIS_URL (/redis/url), /redis/sentinel or /redis/cluster; with none, npm start runs its own redis-server.',
    );
    this.name = 'RedisUnreachableError';
  }
}

/**
 * Waits until a new connection is ready, up to `timeoutMs`, then gives up with a RedisUnreachableError and stops the
 * connection's reconnect loop. While it waits, connection errors are only remembered: without a listener ioredis
 * prints an "Unhandled error event" for every retry, about a hundred lines a minute that never say what to do.
 */
export async function waitForRedis(redis: RedisClient, where: string, timeoutMs: number): Promise<RedisClient> {
  if (redis.status === 'ready') return redis;
  let lastError = 'no answer';
  const remember = (err: Error) => {
    // A refused connection to "localhost" (IPv6 and IPv4 tried) is an AggregateError with no message, only a code.
    lastError = err.message || (err as NodeJS.ErrnoException).code || String(err);
  };
  redis.on('error', remember);
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new RedisUnreachableError(where, timeoutMs, lastError)), timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        ready();
      });
      redis.once('end', () => {
        clearTimeout(timer);
        fail(new RedisUnreachableError(where, timeoutMs, `connection ended: ${lastError}`));
      });
    });
  } catch (err) {
    redis.disconnect(); // the listener stays: a last error of the closing socket is not printed either
    throw err;
  }
  redis.off('error', remember);
  return redis;
}
