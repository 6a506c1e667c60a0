import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import type { RedisConfig } from '../../src/config/types.ts';
import { coalesceWrites } from '../../src/redis/coalesce-writes.ts';
import { createWorkerConnection } from '../../src/redis/connections.ts';
import { until } from '../helpers/until.ts';

const opened: Redis[] = [];
afterEach(() => opened.splice(0).forEach((r) => r.disconnect()));

/** Counts the socket's system writes: one per `_write`, one per `_writev` (a corked batch). */
function countWrites(socket: Socket): { writes: number } {
  const counter = { writes: 0 };
  const internals = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  for (const method of ['_write', '_writev'] as const) {
    const original = internals[method];
    internals[method] = function (this: unknown, ...args: unknown[]) {
      counter.writes++;
      return original.apply(this, args);
    };
  }
  return counter;
}

async function connected(redis: Redis): Promise<Redis> {
  opened.push(redis);
  await redis.ping();
  return redis;
}

it('sends the commands of one stretch of code in one socket write, in order, each with its own answer', async () => {
  const redis = await connected(createWorkerConnection({ url: inject('redisUrl') } as RedisConfig) as Redis);
  const key = `coalesce:${process.pid}:${Date.now()}`;
  const counter = countWrites(redis.stream as Socket);
  const answers = await Promise.all([redis.set(key, 'a'), redis.append(key, 'b'), redis.get(key), redis.evalsha('0'.repeat(40), 0).catch((err: Error) => err.message), redis.get(key)]);
  expect(answers.slice(0, 3)).toEqual(['OK', 2, 'ab']);
  expect(answers[3]).toMatch(/^NOSCRIPT/); // a refused command fails alone
  expect(answers[4]).toBe('ab');
  expect(counter.writes).toBe(1);
  // Commands sent after an await go in a write of their own: nothing waits for a later tick.
  await redis.del(key);
  expect(counter.writes).toBe(2);
});

it('an uncoalesced connection writes each command on its own (what the test above would see without it)', async () => {
  const redis = await connected(new Redis(inject('redisUrl')));
  const counter = countWrites(redis.stream as Socket);
  await Promise.all([redis.ping(), redis.ping(), redis.ping()]);
  expect(counter.writes).toBe(3);
});

it('wraps the new socket after a reconnect', async () => {
  const redis = new Redis(inject('redisUrl'));
  coalesceWrites(redis);
  await connected(redis);
  const first = redis.stream;
  redis.disconnect(true);
  await until('the connection back on a new socket', async () => redis.status === 'ready' && redis.stream !== first, Boolean);
  const counter = countWrites(redis.stream as Socket);
  expect(await Promise.all([redis.ping(), redis.echo('x'), redis.ping()])).toEqual(['PONG', 'x', 'PONG']);
  expect(counter.writes).toBe(1);
});
