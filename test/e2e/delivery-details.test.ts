import { X509Certificate } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    overrides: {
      destinations: { 'national-portal': { retry: { maxAgeMs: 3000, baseDelayMs: 50, maxDelayMs: 200 } } },
      partners: {
        'province-b': {
          name: 'Province B',
          apiKeyHashes: [hashApiKey('province-b-key')],
          agencies: ['000.00.01.H23'],
          certificates: [{ subject: 'CN=Nobody, C=VN' }],
          rateLimit: { max: 100, timeWindowMs: 1000 },
        },
      },
    },
  });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.drain();
  await t.portal.reset();
});

const gap = (a: string, b: string) => Date.parse(b) - Date.parse(a);

describe('delivery details', () => {
  it('waits at least as long as the portal\'s Retry-After before the next attempt', async () => {
    await t.portal.faults({ failNext: 1, status: 503, retryAfterSeconds: 1 });
    const res = await t.send();
    const view = await t.waitForState(res.body.messageId, ['delivered']);
    expect(view.history.map((h) => h.outcome)).toEqual(['retry', 'delivered']);
    expect(gap(view.history[0]!.at, view.history[1]!.at)).toBeGreaterThanOrEqual(950);
  });

  it('pauses the destination on a portal 429 without spending the message\'s attempts', async () => {
    await t.portal.faults({ failNext: 3, status: 429, retryAfterSeconds: 0 });
    const res = await t.send();
    const view = await t.waitForState(res.body.messageId, ['delivered']);
    expect(view.history.map((h) => [h.outcome, h.statusCode])).toEqual([
      ['retry', 429],
      ['retry', 429],
      ['retry', 429],
      ['delivered', 200],
    ]);
    expect(view.attempts).toBe(1);
  });

  it('a 429 pauses every worker process of the destination, not only the one that was answered it', async () => {
    const secondWorker = await startGateway({ ...t.config, role: 'worker' }, createLogger('silent'));
    try {
      await t.portal.faults({ failNext: 1, status: 429, retryAfterSeconds: 2 });
      const first = (await t.send()).body.messageId as string;
      await expect.poll(async () => (await t.status(first)).history.length, { timeout: 10_000 }).toBe(1);
      const pausedAt = Date.parse((await t.status(first)).history[0]!.at);
      const others = await Promise.all(Array.from({ length: 6 }, async () => (await t.send()).body.messageId as string));
      for (const messageId of [first, ...others]) {
        const view = await t.waitForState(messageId, ['delivered']);
        expect(Date.parse(view.history.at(-1)!.at) - pausedAt).toBeGreaterThanOrEqual(1900);
      }
    } finally {
      await secondWorker.close();
    }
  });

  it('carries the partner\'s X-Trace-Id to the portal on every call', async () => {
    const doc = statusUpdate();
    const res = await t.send({ doc, headers: { 'x-trace-id': 'trace-4f2a9c1e' } });
    await t.waitForState(res.body.messageId, ['delivered']);
    const effects = await t.portal.effectsFor(doc.dossierCode as string);
    expect(effects.map((e) => e.traceId)).toEqual(['trace-4f2a9c1e', 'trace-4f2a9c1e']);
  });

  it('shows a message only to the partner that sent it', async () => {
    const res = await t.send();
    const mine = await request(`${t.url}/v1/messages/${res.body.messageId}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(mine.statusCode).toBe(200);
    await mine.body.dump();
    const theirs = await request(`${t.url}/v1/messages/${res.body.messageId}`, { headers: { authorization: 'Bearer province-b-key' } });
    expect(theirs.statusCode).toBe(404);
    expect(await theirs.body.json()).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('health', () => {
  it('is live, and ready while Redis answers, trust anchors are loaded, workers run and the clock agrees with Redis', async () => {
    const live = await request(`${t.url}/health/live`);
    expect(live.statusCode).toBe(200);
    await live.body.dump();
    const ready = await request(`${t.url}/health/ready`);
    expect(ready.statusCode).toBe(200);
    const body = (await ready.body.json()) as { details: { clockSkewMs: number } };
    expect(body).toMatchObject({ status: 'ready', checks: { redis: true, trustStore: true, clock: true, workers: true }, details: { trustAnchors: 1, crls: [] } });
    expect(Math.abs(body.details.clockSkewMs)).toBeLessThan(1000);
  });
});

it('the signer fingerprint recorded with the message is the partner\'s certificate', async () => {
  const res = await t.send();
  const job = await t.gateway.queues.get('national-portal').getJob(res.body.messageId);
  expect(job!.data.signer!.fingerprint256).toBe(new X509Certificate(t.pki.signer.certificatePem).fingerprint256);
});
