import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { RedisConfig } from '../../src/config/types.ts';
import { createProducerConnection } from '../../src/redis/connections.ts';
import { leasedRateLimitStore, leaseSizeFor } from '../../src/http/leased-rate-limit.ts';

let redis: Redis;
beforeAll(async () => {
  redis = createProducerConnection({ url: inject('redisUrl') } as RedisConfig) as Redis; // as the api connects (no offline queue: wait until ready)
  await new Promise((resolve) => redis.once('ready', resolve));
});
afterAll(() => redis.disconnect());

const incr = (store: { incr: (key: string, cb: (err: Error | null, answer?: { current: number; ttl: number }) => void, timeWindow: number, max: number) => void }, key: string, timeWindow: number, max: number) =>
  new Promise<{ current: number; ttl: number }>((resolve, reject) => store.incr(key, (err, answer) => (err ? reject(err) : resolve(answer!)), timeWindow, max));

it('lets exactly max requests of a window through, across two api processes leasing from the same counter', async () => {
  const nameSpace = `rl${randomBytes(4).toString('hex')}:`;
  const Store = leasedRateLimitStore(redis, nameSpace);
  const [first, second] = [new Store(), new Store()]; // two api processes
  const max = 250;
  expect(leaseSizeFor(max)).toBe(5);
  // 400 requests at once, alternating between the processes.
  const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => incr(i % 2 ? first : second, 'province-a', 60_000, max)));
  expect(answers.filter((a) => a.current <= max)).toHaveLength(max);
  expect(new Set(answers.filter((a) => a.current <= max).map((a) => a.current)).size).toBe(max); // each request number once
  expect(Number(await redis.get(`${nameSpace}province-a`))).toBe(max); // the shared counter never passes max
  expect(answers.every((a) => a.ttl > 0 && a.ttl <= 60_000)).toBe(true);
  // Another partner has a window of its own.
  expect((await incr(first, 'province-b', 60_000, max)).current).toBe(1);
});

it('opens a new window when the old one ends, in every process', async () => {
  const nameSpace = `rl${randomBytes(4).toString('hex')}:`;
  const Store = leasedRateLimitStore(redis, nameSpace);
  const store = new Store();
  const answers = await Promise.all(Array.from({ length: 4 }, () => incr(store, 'p', 300, 3)));
  expect(answers.map((a) => a.current).sort()).toEqual([1, 2, 3, 4]);
  await new Promise((resolve) => setTimeout(resolve, 350)); // the window (300 ms) has ended in Redis and here
  expect((await incr(store, 'p', 300, 3)).current).toBe(1);
});
