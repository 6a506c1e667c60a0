import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../redis/connections.ts';

export interface RedisMemory {
  usedBytes: number;
  /** Redis's maxmemory; 0 when none is set. */
  maxBytes: number;
  /** The host's memory as Redis sees it (0 when Redis does not say). */
  systemBytes: number;
}

export interface RedisMemoryCheck {
  ok: boolean;
  usedBytes: number;
  /** What used memory is measured against: maxmemory, or the host's memory when Redis has no maxmemory. */
  limitBytes: number;
  limit: 'maxmemory' | 'system-memory' | 'none';
  ratio: number;
  threshold: number;
  /** Said when not ok. */
  reason?: string;
}

const field = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);

async function readNodeMemory(redis: Redis): Promise<RedisMemory> {
  const info = await redis.info('memory');
  return { usedBytes: field(info, 'used_memory'), maxBytes: field(info, 'maxmemory'), systemBytes: field(info, 'total_system_memory') };
}

const fullness = (m: RedisMemory) => m.usedBytes / (m.maxBytes || m.systemBytes || Infinity);

/** On a Cluster, the fullest master: writes to its slots fail first, whatever room the others have. */
export async function readRedisMemory(redis: RedisClient): Promise<RedisMemory> {
  if (!(redis instanceof Cluster)) return readNodeMemory(redis);
  const masters = await Promise.all(redis.nodes('master').map(readNodeMemory));
  return masters.reduce((fullest, m) => (fullness(m) > fullness(fullest) ? m : fullest));
}

const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;

/**
 * Redis runs with `noeviction`: once used_memory reaches maxmemory every write fails, and every partner gets 503.
 * Readiness turns false before that, at `threshold` of the limit, so a load balancer and the operator see it coming;
 * it turns true again as soon as memory falls back below (the archiver and job trimming free it).
 */
export async function redisMemoryCheck(redis: RedisClient, threshold: number): Promise<RedisMemoryCheck> {
  const memory = await readRedisMemory(redis);
  const [limitBytes, limit] = memory.maxBytes > 0 ? [memory.maxBytes, 'maxmemory' as const] : memory.systemBytes > 0 ? [memory.systemBytes, 'system-memory' as const] : [0, 'none' as const];
  const ratio = limitBytes > 0 ? memory.usedBytes / limitBytes : 0;
  const ok = ratio < threshold;
  const percent = (r: number) => `${Math.round(r * 1000) / 10} %`;
  return {
    ok,
    usedBytes: memory.usedBytes,
    limitBytes,
    limit,
    ratio: Math.round(ratio * 10_000) / 10_000,
    threshold,
    ...(ok ? {} : { reason: `Redis memory at ${percent(ratio)} of ${limit} (${mib(memory.usedBytes)} of ${mib(limitBytes)}), over the ${percent(threshold)} threshold (readiness.redisMemoryMaxRatio): writes fail when it is full` }),
  };
}
