import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSignedData, parseWalking, parseWithForge } from '../../src/signatures/cms-parse.ts';
import { NotPlainDer } from '../../src/signatures/der-walk.ts';
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

describe('reading a CMS: the DER walker against node-forge', () => {
  const openssl = (extra: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-openssl-'));
    const file = (name: string, content: string | Buffer) => (writeFileSync(join(dir, name), content), join(dir, name));
    execFileSync('openssl', [
      'cms', '-sign', '-binary', '-in', file('body', body), '-signer', file('signer.pem', pki.signer.certificatePem),
      '-inkey', file('key.pem', pki.signer.privateKeyPem), '-certfile', file('int.pem', pki.intermediate.certificatePem),
      '-md', 'sha256', '-outform', 'DER', '-out', join(dir, 'sig.der'), ...extra,
    ]);
    return readFileSync(join(dir, 'sig.der'));
  };

  it('reads the same parts as node-forge from OpenSSL (detached, attached) and from our own signer', () => {
    const signatures = [openssl([]), openssl(['-nodetach']), Buffer.from(signCms(body, pki.defaultSigner), 'base64'), Buffer.from(signCms(body, pki.defaultSigner, { attached: true }), 'base64')];
    for (const der of signatures) {
      const walked = parseWalking(der); // the walker itself, not a fall-back to node-forge
      expect(walked).toEqual(parseWithForge(der));
      expect(parseSignedData(der.toString('base64'))).toEqual(walked);
      expect(walked.certificatesDer).toHaveLength(2);
    }
  });

  it('leaves BER (indefinite lengths, as openssl -stream writes) to node-forge, and verifies it', async () => {
    const ber = openssl(['-stream']);
    expect(ber.includes(Buffer.from([0x30, 0x80]))).toBe(true); // an indefinite-length SEQUENCE: not DER
    expect(() => parseWalking(ber)).toThrowError(NotPlainDer);
    expect(parseSignedData(ber.toString('base64'))).toEqual(parseWithForge(ber));
    expect((await verifyCmsSignature(ber.toString('base64'), body, deps)).signer.subject).toContain('CN=Test Province Signer');
  });

  it('refuses a CMS nested deeper than node-forge reads (256) without walking it all', () => {
    let nested = Buffer.from([0x05, 0x00]); // NULL
    for (let i = 0; i < 300; i++) {
      const length = nested.length < 0x80 ? Buffer.from([nested.length]) : Buffer.from([0x82, nested.length >> 8, nested.length & 0xff]);
      nested = Buffer.concat([Buffer.from([0x30]), length, nested]);
    }
    expect(() => parseWalking(nested)).toThrowError(/nested too deep/);
    expect(() => parseSignedData(nested.toString('base64'))).toThrowError(/X-Signature is not a CMS SignedData/);
  });

  it('refuses a cut or padded CMS with the same SIGNATURE_INVALID either way', () => {
    const der = openssl([]);
    for (const broken of [der.subarray(0, der.length - 7), Buffer.concat([der, Buffer.from([0, 0])]), Buffer.from([0x30, 0x03, 0x06, 0x01, 0x00])]) {
      expect(() => parseSignedData(broken.toString('base64'))).toThrowError(/X-Signature is not a CMS SignedData/);
    }
  });
});
