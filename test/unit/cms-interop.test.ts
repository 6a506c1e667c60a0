import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature, type CmsVerifierDeps } from '../../src/signatures/verify-cms-signature.ts';
import { createTestPki, type TestPki } from '../helpers/test-pki.ts';

let pki: TestPki;
let deps: CmsVerifierDeps;
const body = Buffer.from('{"dossierCode":"000.00.01.H22-261123-0001","status":4}');

beforeAll(() => {
  pki = createTestPki();
  deps = { trustStore: new TrustStore([pki.trustDir]), chainCache: new VerifiedChainCache(60_000) };
});

describe('CMS verification interoperates with other signers', () => {
  it('verifies a detached signature made by OpenSSL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-openssl-'));
    const file = (name: string, content: string | Buffer) => (writeFileSync(join(dir, name), content), join(dir, name));
    execFileSync('openssl', [
      'cms', '-sign', '-binary', '-in', file('body', body), '-signer', file('signer.pem', pki.signer.certificatePem),
      '-inkey', file('key.pem', pki.signer.privateKeyPem), '-certfile', file('int.pem', pki.intermediate.certificatePem),
      '-md', 'sha256', '-outform', 'DER', '-out', join(dir, 'sig.der'),
    ]);
    const signature = readFileSync(join(dir, 'sig.der')).toString('base64');
    const verified = await verifyCmsSignature(signature, body, deps);
    expect(verified.signer.subject).toContain('CN=Test Province Signer');
    expect(verified.signingTime).toBeInstanceOf(Date);
    await expect(verifyCmsSignature(signature, Buffer.from(body.toString().replace('4', '9')), deps)).rejects.toThrowError(/altered/);
  });

  it('verifies a detached signature made by node-forge', async () => {
    const signerCert = forge.pki.certificateFromPem(pki.signer.certificatePem);
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(body.toString('binary'));
    p7.addCertificate(signerCert);
    p7.addCertificate(forge.pki.certificateFromPem(pki.intermediate.certificatePem));
    p7.addSigner({
      key: forge.pki.privateKeyFromPem(pki.signer.privateKeyPem),
      certificate: signerCert,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
        { type: forge.pki.oids.messageDigest! },
        { type: forge.pki.oids.signingTime!, value: new Date() as unknown as string },
      ],
    });
    p7.sign({ detached: true });
    const signature = Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary').toString('base64');
    expect((await verifyCmsSignature(signature, body, deps)).signer.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('accepts an attached signature only over the same content', async () => {
    const attached = signCms(body, pki.defaultSigner, { attached: true });
    expect((await verifyCmsSignature(attached, body, deps)).signer).toBeDefined();
    await expect(verifyCmsSignature(attached, Buffer.from('{}'), deps)).rejects.toThrowError(/attached signed content differs/);
  });

  it('verifies a signature without signed attributes (the signature covers the body itself)', async () => {
    const plain = signCms(body, pki.defaultSigner, { withoutSignedAttributes: true });
    expect((await verifyCmsSignature(plain, body, deps)).signingTime).toBeUndefined();
    await expect(verifyCmsSignature(plain, Buffer.from('{}'), deps)).rejects.toThrowError(/does not verify/);
  });

  it('validates the chain once and then serves the signer from the cache until the trust store is reloaded', async () => {
    const cache = new VerifiedChainCache(60_000);
    const local = { trustStore: new TrustStore([pki.trustDir]), chainCache: cache };
    const signature = signCms(body, pki.defaultSigner);
    const first = (await verifyCmsSignature(signature, body, local)).signer;
    expect(cache.size).toBe(1);
    expect((await verifyCmsSignature(signature, body, local)).signer).toBe(first);
    local.trustStore.reload();
    expect((await verifyCmsSignature(signature, body, local)).signer).not.toBe(first);
  });
});
