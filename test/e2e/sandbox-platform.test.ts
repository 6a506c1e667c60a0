import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/config/types.ts';
import { projectRoot, startGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { postSignedStatus, statusUpdate, testConfig } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

const pki = createTestPki();
const apiKey = 'test_sandbox_platform_key_0123';
let sandbox: Sandbox;
let gateway: Gateway;

/** The transport of config/via-lgsp.json, the example `npm start` runs with. */
const viaLgsp = JSON.parse(readFileSync(join(projectRoot, 'config/via-lgsp.json'), 'utf8')).destinations['national-portal'].transport;

/** The national portal as config/via-lgsp.json sends it, with only its login service named: the sandbox supplies the rest. */
function configThroughSandboxLgsp(): GatewayConfig {
  const config = testConfig(pki, 'http://127.0.0.1:9', apiKey, { overrides: { sandbox: { dir: mkdtempSync(join(tmpdir(), 'gw-sandbox-platform-')) } } });
  const portal = config.destinations['national-portal']!;
  delete portal.baseUrl;
  portal.transport = { ...viaLgsp, services: { auth: viaLgsp.services.auth } };
  // The sandbox's portal simulator trusts the sandbox's own gateway identity, which it sets when none is configured.
  delete config.signing;
  return config;
}

beforeAll(async () => {
  sandbox = await startSandbox(configThroughSandboxLgsp(), createLogger('silent'), tmpdir());
  gateway = await startGateway(sandbox.config, createLogger('silent'));
});
afterAll(async () => {
  await gateway?.close();
  await sandbox?.close();
});

const getJson = async (url: string) => (await (await request(url)).body.json()) as any;

it('puts one LGSP simulator in front of the portal simulator, fills the transport, and a status update reaches the portal through it', async () => {
  const transport = sandbox.config.destinations['national-portal']!.transport!;
  const platformUrl = sandbox.info.simulators['platform:lgsp'];
  expect(transport.baseUrl).toBe(platformUrl);
  expect(transport.services).toEqual({
    auth: viaLgsp.services.auth,
    integration: { path: '/lgsp/national-portal/integration', serviceCode: 'SBX-NATIONAL-PORTAL-INTEGRATION' },
    attachment: { path: '/lgsp/national-portal/attachment', serviceCode: 'SBX-NATIONAL-PORTAL-ATTACHMENT' },
  });

  const doc = statusUpdate();
  const accepted = await postSignedStatus(gateway.url!, apiKey, pki.defaultSigner, doc);
  expect(accepted.statusCode).toBe(202);

  const portalUrl = sandbox.info.simulators['national-portal']!;
  const dossier = await until(
    'the sandbox portal to apply the progress update sent through the platform',
    () => request(`${portalUrl}/_sim/dossiers/${encodeURIComponent(doc.dossierCode as string)}`).then(async (r) => (r.statusCode === 200 ? ((await r.body.json()) as { progress: unknown[] }) : (await r.body.dump(), undefined))),
    (d) => (d?.progress.length ?? 0) > 0,
  );
  expect(dossier?.progress).toHaveLength(1);
  const { effects } = await getJson(`${platformUrl}/_sim/received`);
  expect(effects[0]).toMatchObject({ serviceCode: viaLgsp.services.auth.serviceCode, upstreamUrl: `${portalUrl}/api/auth`, upstreamStatus: 200 });
  expect(effects.slice(1).every((e: { serviceCode: string }) => e.serviceCode === 'SBX-NATIONAL-PORTAL-INTEGRATION')).toBe(true);
});
