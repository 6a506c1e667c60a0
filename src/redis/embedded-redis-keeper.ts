import type { Logger } from '../logging/logger.ts';
import type { EmbeddedRedis } from './embedded-redis.ts';

/** Waits before each restart of a run of failed ones: the first at once nearly, then backing off to every 30 s. */
const restartDelaysMs = [250, 1000, 2000, 5000, 10_000, 30_000];

/**
 * Restarts the embedded redis-server of `npm start` whenever it exits without being asked to (a crash, the OOM killer,
 * a stray kill -9), on the same port and data directory: its AOF (appendfsync always) brings back every acknowledged
 * message, and the gateway's connections find it again by themselves. Without this a dead child left the gateway
 * answering 503 until someone restarted the whole process. A Redis the gateway is only given (REDIS_URL, Sentinel,
 * Cluster) is its operator's to supervise, not this.
 */
export function keepEmbeddedRedisUp(redis: EmbeddedRedis, logger: Logger, delaysMs: readonly number[] = restartDelaysMs): { stop: () => void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const restartLater = () => {
    const delayMs = delaysMs[Math.min(failures, delaysMs.length - 1)]!;
    timer = setTimeout(() => void restart(), delayMs);
  };
  const restart = async () => {
    if (stopped) return;
    try {
      await redis.start();
      failures = 0;
      // The gateway stopped in the meantime: what was started for it goes too.
      if (stopped) await redis.stop();
      else logger.warn({ url: redis.url, pid: redis.pid }, 'embedded redis-server restarted (its AOF replayed)');
    } catch (err) {
      if (stopped) return;
      failures++;
      logger.error({ err: (err as Error).message, attempt: failures }, 'embedded redis-server did not restart; trying again');
      restartLater();
    }
  };

  redis.onUnexpectedExit((reason) => {
    if (stopped) return;
    logger.error({ url: redis.url, reason }, 'embedded redis-server exited unexpectedly; restarting it');
    restartLater();
  });
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
