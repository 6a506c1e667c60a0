import type { RedisClient } from '../redis/connections.ts';
import { LuaScript } from '../redis/lua-script.ts';

/**
 * Takes up to ARGV[2] requests of the window's budget at once. KEYS[1] the partner's counter for the window;
 * ARGV[1] window ms, ARGV[2] lease size, ARGV[3] max. Never counts past max.
 * Returns {count before the lease, window ms left, requests leased (0 when the window is used up)}.
 */
const takeLease = new LuaScript(`
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
local max = tonumber(ARGV[3])
if before >= max then return {before, redis.call('PTTL', KEYS[1]), 0} end
local take = math.min(tonumber(ARGV[2]), max - before)
if redis.call('INCRBY', KEYS[1], take) == take then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {before, redis.call('PTTL', KEYS[1]), take}
`);

/** What one process holds of a partner's window: request numbers `next`..`last` are its to give. */
interface Lease {
  /** performance.now() time. */
  windowEndsAt: number;
  next: number;
  last: number;
  /** The window's budget is spent (by any process): refuse until it ends, without asking Redis again. */
  spent: boolean;
}

type Answer = { current: number; ttl: number };
type Callback = (err: Error | null, answer?: Answer) => void;

/** Requests leased at a time: ~2 % of the budget, so few requests of a window ask Redis, and little stays unused. */
export const leaseSizeFor = (max: number) => Math.max(1, Math.min(100, Math.floor(max / 50)));

/**
 * A store for @fastify/rate-limit with the same fixed window per partner in Redis as its RedisStore, shared by every
 * api process, but taken in leases: a process asks Redis for a few requests of the window at a time and counts them
 * out locally, so most requests cost no Redis round trip (under AOF always each one was a write awaiting its fsync
 * before the message's own). A partner is never let through more than `max` in a window; with P api processes, up to
 * P × (lease − 1) requests of a window may stay leased and unused, so a partner at its limit may hear 429 that much
 * sooner. Budgets under 100 a window lease one request at a time: exactly the plain counter.
 */
export function leasedRateLimitStore(redis: RedisClient, nameSpace: string) {
  return class LeasedRateLimitStore {
    private readonly leases = new Map<string, Lease>();
    private readonly asking = new Map<string, Promise<void>>();

    constructor(
      _globalParams?: unknown,
      private readonly prefix = nameSpace,
    ) {}

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      const answer = this.fromLease(key, max);
      if (answer) return callback(null, answer);
      this.renew(key, timeWindow, max).then(
        () => this.incr(key, callback, timeWindow, max),
        (err: Error) => callback(err),
      );
    }

    /** Where the window stands, without counting a request. */
    read(key: string, callback: Callback): void {
      Promise.all([redis.get(this.prefix + key), redis.pttl(this.prefix + key)]).then(
        ([count, ttl]) => callback(null, { current: Number(count ?? 0), ttl: Math.max(0, ttl) }),
        (err: Error) => callback(err),
      );
    }

    /** Routes with a limit of their own count in a window of their own, as RedisStore does. */
    child(routeOptions: object): LeasedRateLimitStore {
      const { method, url } = (routeOptions as { routeInfo: { method: string; url: string } }).routeInfo;
      return new LeasedRateLimitStore(undefined, `${this.prefix}${method}${url}-`);
    }

    private fromLease(key: string, max: number): Answer | undefined {
      const lease = this.leases.get(key);
      const now = performance.now();
      if (!lease || now >= lease.windowEndsAt) return undefined;
      const ttl = lease.windowEndsAt - now;
      if (lease.next <= lease.last) return { current: lease.next++, ttl };
      return lease.spent ? { current: max + 1, ttl } : undefined;
    }

    /** One question to Redis at a time per key: requests arriving meanwhile wait for its lease. */
    private renew(key: string, timeWindow: number, max: number): Promise<void> {
      let asking = this.asking.get(key);
      if (!asking) {
        // The window's end is counted from when Redis was asked (the TTL was read at most then), on a clock that
        // wall-clock changes do not move, so a lease never outlives its window in Redis.
        const asked = performance.now();
        asking = takeLease
          .run(redis, [this.prefix + key], [timeWindow, leaseSizeFor(max), max])
          .then((reply) => {
            const [before, ttl, taken] = reply as [number, number, number];
            const windowMs = ttl > 0 ? ttl : timeWindow;
            this.leases.set(key, { windowEndsAt: asked + windowMs, next: before + 1, last: before + taken, spent: taken === 0 });
          })
          .finally(() => this.asking.delete(key));
        this.asking.set(key, asking);
      }
      return asking;
    }
  };
}
