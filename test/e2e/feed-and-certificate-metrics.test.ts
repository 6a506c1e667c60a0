import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildVnpostSimulator, type CarrierOrder } from '../../connectors/postal-vnpost/simulator.ts';
import { issueCrl } from '../../src/signatures/pki-factory.ts';
import { carrierOptions, gatewayIdentity, PortalSimulator, SimulatorClient, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { until } from '../helpers/until.ts';

const day = 86_400_000;
const pki = createTestPki();
const crlNextUpdate = new Date(Date.now() + 3 * day);
const crlDir = mkdtempSync(join(tmpdir(), 'gw-crl-metrics-'));
writeFileSync(join(crlDir, 'intermediate.crl'), issueCrl({ issuer: pki.intermediate, nextUpdate: crlNextUpdate }));

let t: TestGateway;
let carrier: SimulatorClient<CarrierOrder>;
let portal: PortalSimulator;
beforeAll(async () => {
  const app: FastifyInstance = buildVnpostSimulator({ ...carrierOptions, gatewayTrustDir: gatewayIdentity().trustDir, stepMs: 30 });
  carrier = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  portal = await PortalSimulator.start();
  t = await startTestGateway({
    pki,
    portal,
    carrierUrl: carrier.url,
    overrides: {
      trust: { crl: { directories: [crlDir], fetch: false } },
      // Both feeds are polled only when the test says (pollOnce).
      destinations: { vnpost: { options: { trackingPollIntervalMs: 3_600_000 } } },
      submissions: { source: 'national-portal', pollIntervalMs: 3_600_000, batchSize: 10 },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await portal?.close();
  await carrier?.close();
});

const scrape = async () => (await request(`${t.url}/metrics`)).body.text();
/** Every series of a metric: labels → value. */
const series = (text: string, name: string) =>
  new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .map((l) => [l.slice(name.length, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const),
  );
const secondsUntil = (date: Date | string) => (new Date(date).getTime() - Date.now()) / 1000;
const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

describe('certificate and CRL expiry', () => {
  it("reports the gateway's signing certificate, the trust store and a partner's signer once it has signed, in seconds until notAfter", async () => {
    const signingPem = readFileSync(gatewayIdentity().signing.certificate, 'utf8');
    const before = series(await scrape(), 'gateway_certificate_expiry_seconds');
    const signing = [...before].find(([labels]) => labels.includes('kind="signing"'));
    expect(signing?.[0]).toContain(`fingerprint="${fingerprintOf(signingPem)}"`);
    expect(Math.abs(signing![1] - secondsUntil(new X509Certificate(signingPem).validTo))).toBeLessThan(60);
    const anchor = [...before].find(([labels]) => labels.includes('kind="trust-anchor"') && labels.includes(fingerprintOf(pki.root.certificatePem)));
    expect(Math.abs(anchor![1] - secondsUntil(new X509Certificate(pki.root.certificatePem).validTo))).toBeLessThan(60);
    // Bound by fingerprint only: the gateway knows the certificate once the partner has signed with it.
    expect([...before.keys()].some((labels) => labels.includes('kind="partner"'))).toBe(false);

    const sent = await t.send({ doc: statusUpdate() });
    expect(sent.statusCode).toBe(202);
    const after = await until(
      "the partner's signer in the expiry gauge",
      async () => series(await scrape(), 'gateway_certificate_expiry_seconds'),
      (s) => [...s.keys()].some((labels) => labels.includes('kind="partner"')),
    );
    const [labels, seconds] = [...after].find(([l]) => l.includes('kind="partner"'))!;
    expect(labels).toBe(`{kind="partner",owner="province-a",fingerprint="${fingerprintOf(pki.signer.certificatePem)}",subject=""}`);
    expect(Math.abs(seconds - secondsUntil(new X509Certificate(pki.signer.certificatePem).validTo))).toBeLessThan(60);
  });

  it("reports each held CRL's nextUpdate in seconds from now", async () => {
    const crls = series(await scrape(), 'gateway_crl_next_update_seconds');
    expect(crls.size).toBe(1);
    const [labels, seconds] = [...crls][0]!;
    expect(labels).toContain('source="file"');
    expect(labels).toContain('issuer="');
    expect(Math.abs(seconds - secondsUntil(crlNextUpdate))).toBeLessThan(60);
  });
});

describe('polled feeds', () => {
  it('counts tracking polls and their failures, and the lag is the age of the last good poll (kept in Redis)', async () => {
    const poller = t.gateway.trackingPollers.get('vnpost')!;
    expect((await poller.pollOnce()).polled).toBe(true);
    let text = await scrape();
    expect(series(text, 'gateway_tracking_polls_total').get('{carrier="vnpost",outcome="ok"}')).toBe(1);
    expect(series(text, 'gateway_tracking_polls_total').get('{carrier="vnpost",outcome="failed"}')).toBe(0);
    const lagAfterGoodPoll = series(text, 'gateway_tracking_poll_lag_seconds').get('{carrier="vnpost"}');
    expect(lagAfterGoodPoll).toBeGreaterThanOrEqual(0);

    await carrier.faults({ failNext: 100, status: 503 });
    await expect(poller.pollOnce()).rejects.toThrow();
    await expect(poller.pollOnce()).rejects.toThrow();
    text = await scrape();
    expect(series(text, 'gateway_tracking_polls_total').get('{carrier="vnpost",outcome="failed"}')).toBe(2);
    expect(series(text, 'gateway_tracking_polls_total').get('{carrier="vnpost",outcome="ok"}')).toBe(1);
    // Failed polls leave the time of the last good one: the lag only grows.
    const lagWhileFailing = series(text, 'gateway_tracking_poll_lag_seconds').get('{carrier="vnpost"}')!;
    expect(lagWhileFailing).toBeGreaterThanOrEqual(lagAfterGoodPoll!);
    const redis = new Redis(inject('redisUrl'));
    const stored = Number(await redis.hget(`${t.config.redis.prefix}:polls:last-success`, 'tracking:vnpost'));
    redis.disconnect();
    expect(Math.abs(lagWhileFailing - (Date.now() - stored) / 1000)).toBeLessThan(30);

    await carrier.faults({});
    await poller.pollOnce();
    expect(series(await scrape(), 'gateway_tracking_polls_total').get('{carrier="vnpost",outcome="ok"}')).toBe(2);
  });

  it('reports the lag of the submission feed once it was read through', async () => {
    expect(series(await scrape(), 'gateway_submission_poll_lag_seconds').size).toBe(0);
    await t.gateway.submissionPoller!.pollOnce();
    const text = await scrape();
    expect(series(text, 'gateway_submission_polls_total').get('{source="national-portal",outcome="ok"}')).toBe(1);
    expect(series(text, 'gateway_submission_poll_lag_seconds').get('{source="national-portal"}')).toBeGreaterThanOrEqual(0);
  });
});
