import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';
import { CrlRevocationChecker } from '../../src/signatures/crl-revocation.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../../src/signatures/verify-cms-signature.ts';

it('npm run pki:sandbox writes a PKI whose every certificate gets the verdict its README promises', async () => {
  const out = mkdtempSync(join(tmpdir(), 'gw-pki-sandbox-'));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pki-sandbox.ts', '--out', out], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);

  const rows = [...readFileSync(join(out, 'README.md'), 'utf8').matchAll(/^\| certs\/([\w-]+)\.pem \| (\S+)/gm)].map((m) => [m[1]!, m[2]!] as const);
  expect(rows.length).toBe(10);
  const deps = {
    trustStore: new TrustStore([join(out, 'trust')]),
    chainCache: new VerifiedChainCache(60_000),
    revocation: new CrlRevocationChecker({ directories: [join(out, 'crl')], fetch: false, fetchTimeoutMs: 1000, refreshAheadMs: 0, stalePolicy: 'fail-closed' }),
  };
  const body = Buffer.from('{"dossierCode":"SANDBOX-1"}');
  const intermediate = readFileSync(join(out, 'certs/intermediate.pem'), 'utf8');
  for (const [name, promised] of rows) {
    const signer = { certificatePem: readFileSync(join(out, `certs/${name}.pem`), 'utf8'), privateKeyPem: readFileSync(join(out, `certs/${name}.key`), 'utf8'), chainPem: [intermediate] };
    const verdict = await verifyCmsSignature(signCms(body, signer, { signingTime: null }), body, deps).then(
      () => 'accepted',
      (err: { code: string }) => err.code,
    );
    expect(`${name}: ${verdict}`).toBe(`${name}: ${promised}`);
  }
});
