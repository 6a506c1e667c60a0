import { createHash } from 'node:crypto';
import type { RedisClient } from './connections.ts';

/**
 * A Lua script called by its SHA1 (EVALSHA), so a hot path sends a few bytes instead of the whole source on every
 * call and Redis does not hash the source again each time. A server that has not seen it yet (new, restarted, a
 * failover) answers NOSCRIPT, and the script is sent once in full (EVAL caches it there).
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: Array<string | number | Buffer>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
