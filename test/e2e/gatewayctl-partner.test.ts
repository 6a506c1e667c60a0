import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { issueCertificate } from '../../src/signatures/pki-factory.ts';
import { runGatewayctl } from '../helpers/gatewayctl.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { agencyCode, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway | undefined;
afterAll(() => t?.close());

// partner add works offline: it never calls the gateway, so the URL may point nowhere.
const gatewayctl = (...args: string[]) => runGatewayctl('http://127.0.0.1:9', 'unused', ...args);

it('partner add prints a new API key once, its hash, and a config entry binding the certificate by fingerprint that a gateway accepts', async () => {
  const pki = createTestPki();
  const provinceB = issueCertificate({ commonName: 'Province B Signer', organization: 'UBND tinh B', issuer: pki.intermediate });
  const dir = mkdtempSync(join(tmpdir(), 'gw-partner-'));
  const pemFile = join(dir, 'province-b.pem');
  // A chain file: the signer first, then its CA; only the signer is bound.
  writeFileSync(pemFile, provinceB.certificatePem + pki.intermediate.certificatePem);

  const text = await gatewayctl('partner', 'add', 'province-b', '--cert', pemFile, '--agency', agencyCode);
  expect(text.code).toBe(0);
  const apiKey = /^API key \(shown once.*\): (\S+)$/m.exec(text.out)?.[1];
  expect(apiKey).toMatch(/^gwk_[A-Za-z0-9_-]{43}$/);
  expect(text.out).toContain(`API key hash: ${hashApiKey(apiKey!)}`);
  expect(text.out).toContain(`SHA-256 fingerprint: ${new X509Certificate(provinceB.certificatePem).fingerprint256}`);

  const json = JSON.parse((await gatewayctl('partner', 'add', 'province-b', '--cert', pemFile, '--agency', agencyCode, '--json')).out);
  expect(json.apiKey).not.toBe(apiKey); // a new key each time
  expect(json.apiKeyHash).toBe(hashApiKey(json.apiKey));
  expect(json.config.partners['province-b']).toEqual({
    name: 'Province B Signer',
    apiKeyHashes: [json.apiKeyHash],
    agencies: [agencyCode],
    certificates: [{ fingerprint256: new X509Certificate(provinceB.certificatePem).fingerprint256 }],
    rateLimit: { max: 100, timeWindowMs: 60_000 },
  });

  // The entry as printed is valid config: the partner's key and certificate are accepted, another certificate is not.
  t = await startTestGateway({ pki, role: 'api', overrides: json.config });
  const accepted = await t.send({ apiKey: json.apiKey, signer: pki.signerFor(provinceB) });
  expect(accepted.statusCode).toBe(202);
  const otherCert = await t.send({ apiKey: json.apiKey, signer: pki.defaultSigner });
  expect(otherCert).toMatchObject({ statusCode: 422, body: { error: 'CERT_NOT_BOUND' } });

  expect(await gatewayctl('partner', 'add', 'province-b', '--agency', agencyCode)).toMatchObject({ code: 2, out: expect.stringContaining('--cert') });
  expect(await gatewayctl('partner', 'add', 'province-b', '--cert', join(dir, 'missing.pem'), '--agency', agencyCode)).toMatchObject({ code: 2, out: expect.stringContaining('cannot read') });
  writeFileSync(join(dir, 'key.pem'), provinceB.privateKeyPem);
  expect(await gatewayctl('partner', 'add', 'province-b', '--cert', join(dir, 'key.pem'), '--agency', agencyCode)).toEqual({ code: 2, out: `gatewayctl: ${join(dir, 'key.pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n` });
  expect(await gatewayctl('partner', 'add', 'province-b', '--cert', pemFile)).toMatchObject({ code: 2, out: expect.stringContaining('--agency') });
}, 60_000);
