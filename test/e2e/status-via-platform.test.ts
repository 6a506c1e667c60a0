import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { PlatformSimulator } from '../helpers/platform-simulator.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { gatewayIdentity, PortalSimulator, portalOptions, startTestGateway, statusUpdate, testConfig, type TestGateway } from '../helpers/test-gateway.ts';

/** The province's LGSP as it publishes the national portal's three calls (paths and codes are ours). */
const services = {
  auth: { path: '/dvcqg/auth/1.0', serviceCode: 'LGSP-DVCQG-AUTH' },
  integration: { path: '/dvcqg/integration/1.0', serviceCode: 'LGSP-DVCQG-INTEGRATION' },
  attachment: { path: '/dvcqg/files/1.0', serviceCode: 'LGSP-DVCQG-FILES' },
};

let portal: PortalSimulator;
let platform: PlatformSimulator;
let t: TestGateway;

beforeAll(async () => {
  portal = await PortalSimulator.start();
  platform = await PlatformSimulator.start([
    { ...services.auth, upstream: portal.url + portalOptions.authEndpoint },
    { ...services.integration, upstream: portal.url + portalOptions.integrationEndpoint },
    { ...services.attachment, upstream: portal.url },
  ]);
  t = await startTestGateway({ portal, overrides: { destinations: { 'national-portal': { transport: platform.transportConfig(services) } } } });
});
afterAll(async () => {
  await t?.close();
  await platform?.close();
  await portal?.close();
});
beforeEach(async () => {
  await t.drain();
  await portal.reset();
  await platform.reset();
});

describe('a status update to the national portal through the province LGSP', () => {
  it('logs in and calls the portal through the platform with each service code, and the portal applies the progress once', async () => {
    const doc = statusUpdate();
    const { body } = await t.send({ doc });
    const view = await t.waitForState(body.messageId, ['delivered']);
    expect(view.attempts).toBe(1);

    const progress = await portal.progressFor(doc.dossierCode as string);
    expect(progress).toHaveLength(1);
    // The gateway's signature over the body still verifies at the portal: the platform passed the bytes on as they were.
    expect(progress[0]!.signer).toBe(gatewayIdentity().subject);
    const { effects, stats } = await platform.received();
    expect(effects[0]).toMatchObject({ serviceCode: services.auth.serviceCode, path: services.auth.path, upstreamStatus: 200 });
    expect(new Set(effects.slice(1).map((e) => e.serviceCode))).toEqual(new Set([services.integration.serviceCode]));
    expect(effects.every((e) => e.upstreamStatus === 200)).toBe(true);
    expect(stats.refused).toBe(0);
    // Every portal call the gateway made went through the platform.
    const portalStats = (await portal.received()).stats;
    expect(portalStats.logins + portalStats.calls).toBe(effects.length);
  });

  it('a platform token revoked between two updates costs one refused call and a new token, not a delivery attempt', async () => {
    const first = statusUpdate();
    await t.waitForState((await t.send({ doc: first })).body.messageId, ['delivered']);
    const tokensBefore = (await platform.received()).stats.tokensIssued;
    await platform.revokeTokens();

    const second = statusUpdate();
    const view = await t.waitForState((await t.send({ doc: second })).body.messageId, ['delivered']);

    expect(view.attempts).toBe(1);
    expect(await portal.progressFor(second.dossierCode as string)).toHaveLength(1);
    const { stats } = await platform.received();
    expect(stats.refused).toBe(1);
    expect(stats.tokensIssued - tokensBefore).toBe(1);
  });
});

describe('start-up', () => {
  it('refuses a platform transport that lacks a service for a call the connector makes, naming the config key', async () => {
    const config = testConfig(createTestPki(), portal.url, 'unused-key-0123456789', {
      overrides: { destinations: { 'national-portal': { transport: platform.transportConfig({ auth: services.auth, attachment: services.attachment }) } } },
    });
    await expect(startGateway(config, createLogger('silent'))).rejects.toThrowError(/\/destinations\/national-portal\/transport\/services lacks "integration"/);
  });
});
