import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { PortalSimulator, postSignedStatus, startTestGateway, statusUpdate, testConfig, type TestGateway } from '../helpers/test-gateway.ts';
import { GatewayProcess } from '../../chaos/gateway-process.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Redis of its own (AOF fsynced on every write) that a test may kill and start again, and a portal simulator. */
async function redisThatCanCrashAndPortal() {
  const redis = new EmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'gw-aof-')), port: 0, appendfsync: 'always' });
  const redisUrl = await redis.start();
  cleanups.push(() => redis.stop());
  const portal = await PortalSimulator.start();
  cleanups.push(() => portal.close());
  return { redis, redisUrl, portal };
}

const fastRecovery = { delivery: { stalledIntervalMs: 1000, lockDurationMs: 2000, dossierLockMs: 2000 } };

describe('nothing acknowledged is lost', () => {
  it('a worker process killed (SIGKILL) mid-delivery: the message is still delivered, and applied once at the portal', async () => {
    const portal = await PortalSimulator.start();
    cleanups.push(() => portal.close());
    const t = await startTestGateway({ role: 'api', portal, overrides: fastRecovery });
    cleanups.push(() => t.close());
    const workerConfig = { ...t.config, role: 'worker' as const };

    const doomed = GatewayProcess.start(workerConfig);
    cleanups.push(() => doomed.kill());
    await doomed.waitForOutput(/Gateway \(worker\) listening on/);
    await portal.faults({ latencyMs: 2500 });

    const doc = statusUpdate();
    const res = await t.send({ doc });
    expect(res.statusCode).toBe(202);
    // The first call of a new dossier (LayThuTuc, the portal's procedure names) is in flight when the worker dies.
    await expect.poll(async () => (await portal.received()).stats.calls, { timeout: 10_000 }).toBe(1);
    expect((await t.status(res.body.messageId)).state).toBe('delivering');
    await doomed.kill('SIGKILL');

    await portal.faults({});
    const survivor = GatewayProcess.start(workerConfig);
    cleanups.push(() => survivor.kill('SIGTERM'));
    const view = await t.waitForState(res.body.messageId, ['delivered'], 25_000);

    // The survivor did the whole sync: the dossier once, its progress once, nothing for the call the crash cut.
    expect((await portal.effectsFor(doc.dossierCode as string)).map((e) => e.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
    expect((await portal.dossier(doc.dossierCode as string))?.progress).toHaveLength(1);
    expect(view.state).toBe('delivered');
  });

  it('Redis crashes (SIGKILL) and restarts from its AOF: a 202-acknowledged message is still delivered, by the same worker', async () => {
    const { redis, redisUrl, portal } = await redisThatCanCrashAndPortal();
    await portal.faults({ failNext: 100_000, status: 503 });
    const t: TestGateway = await startTestGateway({
      portal,
      redisUrl,
      overrides: { destinations: { 'national-portal': { retry: { maxAgeMs: 600_000, baseDelayMs: 200, maxDelayMs: 500 } } } },
    });
    cleanups.push(() => t.close());

    const doc = statusUpdate();
    const res = await t.send({ doc });
    expect(res.statusCode).toBe(202);
    await expect.poll(async () => (await t.status(res.body.messageId)).attempts).toBeGreaterThan(0);

    await redis.kill();
    const whileDown = await t.send();
    expect(whileDown.statusCode).toBe(503);
    expect(whileDown.body.error).toBe('UNAVAILABLE');
    expect(whileDown.headers['retry-after']).toBe('5');
    const health = await request(`${t.url}/health/ready`);
    expect(health.statusCode).toBe(503);
    expect(((await health.body.json()) as { checks: { redis: boolean } }).checks.redis).toBe(false);

    await redis.start();
    await portal.faults({});
    const view = await t.waitForState(res.body.messageId, ['delivered'], 20_000);
    expect(view.state).toBe('delivered');
    expect(await portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    // The 503'd message was never stored: only the first one reached the portal.
    expect(await portal.progressRecords()).toHaveLength(1);
  });

  it('Redis away for longer than the dossier lock while a call is out: a newer update of the dossier waits for that call', async () => {
    const { redis, redisUrl, portal } = await redisThatCanCrashAndPortal();
    const t: TestGateway = await startTestGateway({
      portal,
      redisUrl,
      overrides: { delivery: { dossierLockMs: 1000 }, destinations: { 'national-portal': { timeoutMs: 6000, retry: { maxAgeMs: 600_000, baseDelayMs: 100, maxDelayMs: 300 } } } },
    });
    cleanups.push(() => t.close());
    const dossierCode = statusUpdate().dossierCode;
    const at = (hour: string) => `2026-11-23T${hour}:00:00+07:00`;
    const first = (await t.send({ doc: statusUpdate({ dossierCode, status: 2, statusTime: at('08') }) })).body.messageId;
    await t.waitForState(first, ['delivered']);

    // The older update's progress call reaches a slow portal (applied 3 s after it arrives)...
    const callsBefore = (await portal.received()).stats.calls!;
    await portal.faults({ latencyMs: 3000 });
    const older = (await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: at('10') }) })).body.messageId;
    await expect.poll(async () => (await portal.received()).stats.calls, { timeout: 10_000 }).toBe(callsBefore + 1);
    await portal.faults({});
    // ...and Redis is away for twice the dossier lock: no renewal of the claim arrives meanwhile.
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await redis.start();
    let newer: string | undefined;
    await expect
      .poll(async () => {
        const res = await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: at('11') }) });
        newer = res.body.messageId;
        return res.statusCode;
      }, { timeout: 15_000, interval: 200 })
      .toBe(202);

    await t.waitForState(older, ['delivered'], 20_000);
    await t.waitForState(newer!, ['delivered'], 20_000);
    // Applied in status-time order: the newer one was not sent while the older call could still land after it.
    expect((await portal.progressFor(dossierCode as string)).map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai)).toEqual(['2', '4', '9']);
  }, 60_000);

  it('an api process killed right after answering 202 loses nothing: a worker started later delivers it', async () => {
    const portal = await PortalSimulator.start();
    cleanups.push(() => portal.close());
    const pki = createTestPki();
    const apiKey = `test_${randomBytes(12).toString('hex')}`;
    const config = testConfig(pki, portal.url, apiKey, { role: 'api' });
    const api = GatewayProcess.start(config);
    cleanups.push(() => api.kill());
    await api.waitForOutput(/listening on http:\/\/\S+/);
    const url = /listening on (http:\/\/\S+)/.exec(api.output)![1]!;

    const doc = statusUpdate();
    const res = await postSignedStatus(url, apiKey, pki.defaultSigner, doc);
    expect(res.statusCode).toBe(202);
    const messageId = res.body.messageId!;
    await api.kill('SIGKILL');

    const worker = GatewayProcess.start({ ...config, role: 'worker' });
    cleanups.push(() => worker.kill('SIGTERM'));
    await expect.poll(async () => (await portal.progressFor(doc.dossierCode as string)).length, { timeout: 15_000 }).toBe(1);
    expect((await portal.dossier(doc.dossierCode as string))?.record.MaHoSo).toBe(doc.dossierCode);
    expect(messageId).toBeTruthy();
  }, 60_000); // two gateway processes start one after the other: on a busy 2-core machine each may take seconds
});
