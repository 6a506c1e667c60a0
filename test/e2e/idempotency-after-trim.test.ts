import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acceptStepByStep } from '../../src/messages/accept-message.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * An Idempotency-Key outlives its original job: BullMQ keeps the deduplication key for ingest.idempotencyTtlMs (7 d)
 * while the delivered job is trimmed sooner (retention.completedJobsPerDestination). The key reused with another body
 * must still be 409 IDEMPOTENCY_CONFLICT; it was answered 200 "duplicate" and the new update was never queued.
 */
let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { retention: { completedJobsPerDestination: 2 } } });
});
afterAll(() => t.close());

/** Delivers three other updates, so the first job is trimmed from the two kept. */
async function trimOlderJobs(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const { body } = await t.send({ doc: statusUpdate() });
    await t.waitForState(body.messageId, ['delivered']);
  }
}

it('a key reused with another body after its original job was trimmed is a 409 conflict; the same body is still the duplicate', async () => {
  const doc = statusUpdate();
  const key = `reuse-after-trim-${doc.dossierCode}`;
  const first = await t.send({ doc, headers: { 'idempotency-key': key } });
  expect(first.statusCode).toBe(202);
  await t.waitForState(first.body.messageId, ['delivered']);
  await trimOlderJobs();
  expect(await t.gateway.queues.get('national-portal').getJob(first.body.messageId)).toBeUndefined();

  const other = await t.send({ doc: { ...doc, status: 10 }, headers: { 'idempotency-key': key } });
  expect(other.statusCode).toBe(409);
  expect(other.body).toMatchObject({ error: 'IDEMPOTENCY_CONFLICT', details: [{ path: 'header:idempotency-key', message: `already used by message ${first.body.messageId}` }] });

  const again = await t.send({ doc, headers: { 'idempotency-key': key } });
  expect(again.statusCode).toBe(200);
  expect(again.body).toMatchObject({ messageId: first.body.messageId, duplicate: true });
});

it('step by step (as on a Redis Cluster) the trimmed original is compared the same way', async () => {
  const queue = t.gateway.queues.get('national-portal');
  const envelope = (bodySha256: string): Envelope => ({
    messageId: randomUUID(),
    type: 'dossier.status.v1',
    partner: 'province-a',
    agencyCode: '000.00.01.H22',
    dossierCode: `step-${randomBytes(3).toString('hex')}`,
    idempotencyKey: 'step-by-step-key',
    idempotencyKeySource: 'header',
    bodySha256,
    traceId: randomBytes(16).toString('hex'),
    receivedAt: new Date().toISOString(),
    orderingTime: Date.now(),
    payload: {},
  });
  const redis = new Redis(t.config.redis.url!);
  const options = { idempotencyTtlMs: 60_000, redis };
  await queue.pause(); // the original waits, undelivered, until it is taken away below as trimming would
  try {
    const original = envelope('a'.repeat(64));
    expect(await acceptStepByStep(queue, original, options)).toEqual({ kind: 'queued', messageId: original.messageId });
    // What trimming leaves: the job gone, BullMQ's deduplication key still there (queue.remove would take both).
    await redis.del(queue.toKey(original.messageId));
    for (const list of ['wait', 'paused']) await redis.lrem(queue.toKey(list), 0, original.messageId);
    expect(await acceptStepByStep(queue, envelope('b'.repeat(64)), options)).toEqual({ kind: 'conflict', messageId: original.messageId });
    expect(await acceptStepByStep(queue, envelope('a'.repeat(64)), options)).toEqual({ kind: 'duplicate', messageId: original.messageId });
  } finally {
    await queue.resume();
    redis.disconnect();
  }
});
