import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createTestPki } from '../helpers/test-pki.ts';
import { postSignedStatus, testConfig } from '../helpers/test-gateway.ts';
import { GatewayProcess } from '../../chaos/gateway-process.ts';

let gateway: GatewayProcess | undefined;
afterAll(() => gateway?.kill('SIGTERM'));

it('SIGHUP reloads the trust anchors of a running gateway: a root added to its folder is trusted without a restart', async () => {
  const pki = createTestPki();
  const anchors = mkdtempSync(join(tmpdir(), 'gw-anchors-'));
  const apiKey = `test_${randomBytes(12).toString('hex')}`;
  gateway = GatewayProcess.start(testConfig(pki, 'http://127.0.0.1:9', apiKey, { role: 'api', overrides: { trust: { directories: [anchors] } } }));
  await gateway.waitForOutput(/listening on http:\/\/\S+/);
  const url = /listening on (http:\/\/\S+)/.exec(gateway.output)![1]!;

  expect((await postSignedStatus(url, apiKey, pki.defaultSigner)).body.error).toBe('CERT_UNTRUSTED');
  copyFileSync(join(pki.trustDir, 'root.pem'), join(anchors, 'province-root.pem'));
  gateway.child.kill('SIGHUP');
  await gateway.waitForOutput(/trust store and CRLs reloaded/);
  expect((await postSignedStatus(url, apiKey, pki.defaultSigner)).statusCode).toBe(202);
});
