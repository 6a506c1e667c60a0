import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, totalJobs, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    role: 'api',
    overrides: { partners: { 'province-a': { rateLimit: { max: 3, timeWindowMs: 60_000 } } } },
  });
});
afterAll(() => t.close());

it('answers 429 RATE_LIMITED with Retry-After once a partner exceeds its limit, and queues nothing more', async () => {
  const accepted = [await t.send(), await t.send(), await t.send()];
  expect(accepted.map((r) => r.statusCode)).toEqual([202, 202, 202]);
  const refused = await t.send();
  expect(refused.statusCode).toBe(429);
  expect(refused.body).toMatchObject({ error: 'RATE_LIMITED' });
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(totalJobs(await t.jobCounts())).toBe(3);
});
