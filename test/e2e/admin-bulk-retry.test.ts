import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminCall, adminConfig, adminTokens, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    overrides: {
      admins: adminConfig,
      destinations: {
        'national-portal': {
          concurrency: 32,
          rateLimit: { max: 100_000, durationMs: 1000 },
          retry: { maxAgeMs: 1, baseDelayMs: 10, maxDelayMs: 10 },
          // A portal failing every call would open the breaker and slow the failures down to one probe a second.
          circuitBreaker: { failureThreshold: 1_000_000, openMs: 1000 },
        },
      },
      partners: { 'province-a': { rateLimit: { max: 100_000, timeWindowMs: 1000 } } },
    },
  });
});
afterAll(() => t.close());

it('an operator retries 1,000 dead letters at once by filter, and every one is delivered', async () => {
  await t.portal.faults({ failNext: 1000, status: 503 });
  const sent: string[] = [];
  for (let i = 0; i < 1000; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => t.send()));
    sent.push(...batch.map((r) => r.body.messageId));
  }
  await expect.poll(async () => (await t.jobCounts()).failed, { timeout: 60_000, interval: 200 }).toBe(1000);
  await t.portal.faults({});

  const res = await adminCall(t, adminTokens.operator, 'POST', '/dead-letters/retry', { errorCode: 'RETRIES_EXHAUSTED', reason: 'national portal back after outage' });
  expect(res.body).toEqual({ matched: 1000, retried: 1000 });
  await expect.poll(async () => (await t.jobCounts()).completed, { timeout: 60_000, interval: 200 }).toBe(1000);
  expect(await t.portal.progressRecords()).toHaveLength(1000);
  const audit = (await adminCall(t, adminTokens.viewer, 'GET', '/audit?limit=1')).body.entries[0];
  expect(audit).toMatchObject({ action: 'bulk-retry', count: 1000, reason: 'national portal back after outage' });
}, 120_000);
