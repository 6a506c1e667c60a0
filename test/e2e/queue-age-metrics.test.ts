import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
beforeAll(async () => {
  // A retry budget long enough to watch a message wait for its retries.
  t = await startTestGateway({ overrides: { destinations: { 'national-portal': { retry: { maxAgeMs: 60_000, baseDelayMs: 300, maxDelayMs: 600 } } } } });
});
afterAll(() => t.close());

const oldest = async (state: 'waiting' | 'delayed') => {
  const text = await (await request(`${t.url}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`gateway_queue_oldest_age_seconds{destination="national-portal",state="${state}"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

it('reports how long the oldest message has waited for a retry, counted from its acceptance, and 0 once none waits', async () => {
  expect(await oldest('delayed')).toBe(0);
  await t.portal.faults({ failNext: 1_000, status: 503 });
  const sent = await t.send({ doc: statusUpdate() });
  const view = await t.status(sent.body.messageId);
  // Retried for more than a second: the age is the message's, not that of its latest backoff (at most 0.6 s).
  const age = await until('the message to have waited over a second for its retries', () => oldest('delayed'), (a) => (a ?? 0) > 1);
  expect(age).toBeLessThanOrEqual((Date.now() - Date.parse(view.receivedAt)) / 1000 + 1);
  await t.portal.faults({});
  await t.waitForState(sent.body.messageId, ['delivered']);
  expect(await oldest('delayed')).toBe(0);
});

it('reports how long the oldest message has waited for a worker (a paused destination)', async () => {
  const queue = t.gateway.queues.get('national-portal');
  await queue.pause();
  try {
    expect(await oldest('waiting')).toBe(0);
    const sent = await t.send({ doc: statusUpdate() });
    expect(sent.statusCode).toBe(202);
    await until('the waiting message to be older than half a second', () => oldest('waiting'), (a) => (a ?? 0) > 0.5);
  } finally {
    await queue.resume();
  }
  await t.drain();
  expect(await oldest('waiting')).toBe(0);
});
