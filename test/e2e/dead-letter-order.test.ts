import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { findDeadLetters } from '../../src/admin/dead-letters.ts';
import { DestinationQueues, queueNameFor } from '../../src/queues/destination-queues.ts';

/**
 * The dead-letter list (admin API, dashboard, `gatewayctl dlq list`) is newest first across every destination, and its
 * limit keeps the newest: dead letters taken queue after queue let the first destination's older ones fill the list.
 */
const prefix = `t${randomBytes(5).toString('hex')}`;
let redis: Redis;
let queues: DestinationQueues;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  // Config order: "first" is listed before "second", as national-portal is before provincial-system.
  queues = new DestinationQueues(['first', 'second'], redis, () => prefix, { ageMs: 60_000, count: 100 });
});
afterAll(async () => {
  for (const [, queue] of queues.all()) await queue.obliterate({ force: true }).catch(() => undefined);
  redis.disconnect();
});

/** One job of `destination` dead (refused for good by its receiver); resolves once BullMQ has it failed. */
async function deadLetter(destination: string, name: string): Promise<string> {
  const queue = queues.get(destination);
  const connection = redis.duplicate();
  const worker = new Worker(queueNameFor(destination), async () => {
    throw new UnrecoverableError('PERMANENT: HTTP 400 from the receiver');
  }, { connection, prefix });
  const failed = new Promise<void>((resolve) => worker.once('failed', () => resolve()));
  const job = await queue.add(name, { messageId: name, type: 'dossier.status.v1', partner: 'p', dossierCode: name });
  await failed;
  await worker.close();
  connection.disconnect();
  await new Promise((r) => setTimeout(r, 10)); // distinct failure times, whatever the clock's resolution
  return job.id!;
}

it('lists dead letters newest first across destinations, and a limit keeps the newest of all', async () => {
  const oldestAtFirst = await deadLetter('first', 'a');
  const atSecond = await deadLetter('second', 'b');
  const newestAtFirst = await deadLetter('first', 'c');

  const all = await findDeadLetters(queues, {});
  expect(all.map((l) => [l.destination, l.job.id])).toEqual([
    ['first', newestAtFirst],
    ['second', atSecond],
    ['first', oldestAtFirst],
  ]);
  const newestTwo = await findDeadLetters(queues, {}, 2);
  expect(newestTwo.map((l) => l.job.id)).toEqual([newestAtFirst, atSecond]);
  // A filter still narrows to one destination, newest first.
  expect((await findDeadLetters(queues, { destination: 'first' }, 1)).map((l) => l.job.id)).toEqual([newestAtFirst]);
});
