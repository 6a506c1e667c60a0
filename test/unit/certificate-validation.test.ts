import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, type IssuedCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms, type SignCmsOptions } from '../../src/signatures/sign-cms.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature, type CmsVerifierDeps } from '../../src/signatures/verify-cms-signature.ts';
import { createTestPki, type TestPki } from '../helpers/test-pki.ts';

const day = 86_400_000;
const body = Buffer.from('{"dossierCode":"000.00.01.H22-261123-0002","status":9}');
let pki: TestPki;

beforeAll(() => {
  pki = createTestPki();
});

function depsWith(options: Partial<CmsVerifierDeps> = {}, trustDir = pki.trustDir): CmsVerifierDeps {
  return { trustStore: new TrustStore([trustDir]), chainCache: new VerifiedChainCache(60_000), ...options };
}

async function outcome(cert: IssuedCertificate, chain: IssuedCertificate[], sign: SignCmsOptions = {}, deps = depsWith()): Promise<string> {
  const signature = signCms(body, pki.signerFor(cert, chain), sign);
  try {
    await verifyCmsSignature(signature, body, deps);
    return 'OK';
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
}

describe('signature algorithms', () => {
  it('accepts ECDSA P-256 signers under an RSA hierarchy', async () => {
    const ec = issueCertificate({ commonName: 'EC official', issuer: pki.intermediate, keyType: 'ec' });
    expect(await outcome(ec, [pki.intermediate])).toBe('OK');
    expect(await outcome(ec, [pki.intermediate], { digest: 'sha384' })).toBe('OK');
  });
  it('accepts RSA-PSS signatures, and SHA-384/512 digests', async () => {
    expect(await outcome(pki.signer, [pki.intermediate], { pss: true })).toBe('OK');
    expect(await outcome(pki.signer, [pki.intermediate], { pss: true, digest: 'sha512' })).toBe('OK');
    expect(await outcome(pki.signer, [pki.intermediate], { digest: 'sha384' })).toBe('OK');
  });
  it('verifies the signature against the algorithm it claims, not another', async () => {
    const ec = issueCertificate({ commonName: 'EC official', issuer: pki.intermediate, keyType: 'ec' });
    // An RSA key signing while the certificate is EC: the swap is refused.
    const swapped = signCms(body, { certificatePem: ec.certificatePem, privateKeyPem: pki.signer.privateKeyPem, chainPem: [pki.intermediate.certificatePem] });
    await expect(verifyCmsSignature(swapped, body, depsWith())).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
  it('refuses ECDSA-SHA1 and certificates signed with SHA-1', async () => {
    const ec = issueCertificate({ commonName: 'EC official', issuer: pki.intermediate, keyType: 'ec' });
    expect(await outcome(ec, [pki.intermediate], { digest: 'sha1' })).toMatch(/^ALGORITHM_WEAK/);
    const sha1Cert = issueCertificate({ commonName: 'Old official', issuer: pki.intermediate, signatureDigest: 'sha1' });
    expect(await outcome(sha1Cert, [pki.intermediate])).toMatch(/^ALGORITHM_WEAK: .*SHA-1/);
  });
});

describe('path validation', () => {
  it('refuses a path longer than an issuer\'s pathLen allows', async () => {
    const subCa = issueCertificate({ commonName: 'Sub CA', issuer: pki.intermediate, isCa: true }); // intermediate has pathLen 0
    const leaf = issueCertificate({ commonName: 'Under sub CA', issuer: subCa });
    expect(await outcome(leaf, [subCa, pki.intermediate])).toMatch(/^CERT_UNTRUSTED: .*allows 0 intermediate/);
  });
  it('refuses an issuer that is not a CA, or may not sign certificates', async () => {
    const notCa = issueCertificate({ commonName: 'Not a CA', issuer: pki.intermediate });
    expect(await outcome(issueCertificate({ commonName: 'Leaf', issuer: notCa }), [notCa, pki.intermediate])).toMatch(/^CERT_UNTRUSTED: .*(not a CA|allows 0)/);
    const noCertSign = issueCertificate({ commonName: 'CRL-only CA', issuer: pki.root, isCa: true, keyUsage: { cRLSign: true } });
    expect(await outcome(issueCertificate({ commonName: 'Leaf', issuer: noCertSign }), [noCertSign])).toMatch(/^CERT_UNTRUSTED: .*keyUsage/);
  });
  it('enforces directoryName name constraints of the CAs above', async () => {
    const constrained = issueCertificate({ commonName: 'Province CA', issuer: pki.root, isCa: true, permittedSubtrees: [[['C', 'VN'], ['O', 'Province H22']]] });
    const inside = issueCertificate({ commonName: 'Official', organization: 'Province H22', issuer: constrained });
    const outside = issueCertificate({ commonName: 'Official', organization: 'Province H23', issuer: constrained });
    expect(await outcome(inside, [constrained])).toBe('OK');
    expect(await outcome(outside, [constrained])).toMatch(/^CERT_UNTRUSTED: .*outside the names permitted/);
  });
  it('refuses a certificate with an unknown critical extension', async () => {
    const odd = issueCertificate({ commonName: 'Odd', issuer: pki.intermediate, unknownCriticalExtensionOid: '1.2.3.4.5.6' });
    expect(await outcome(odd, [pki.intermediate])).toMatch(/^CERT_UNTRUSTED: .*unsupported critical extension.*1\.2\.3\.4\.5\.6/);
  });
  it('requires an extendedKeyUsage when the profile says so', async () => {
    const emailProtection = '1.3.6.1.5.5.7.3.4';
    const policy = { requiredExtendedKeyUsage: [emailProtection] };
    const withEku = issueCertificate({ commonName: 'With EKU', issuer: pki.intermediate, extKeyUsageOids: [emailProtection] });
    expect(await outcome(withEku, [pki.intermediate], {}, depsWith({ policy }))).toBe('OK');
    expect(await outcome(pki.signer, [pki.intermediate], {}, depsWith({ policy }))).toMatch(/^CERT_USAGE_INVALID: .*extendedKeyUsage/);
  });
  it('refuses an expired intermediate, and a signing time outside the certificate\'s validity', async () => {
    const oldCa = issueCertificate({ commonName: 'Old CA', issuer: pki.root, isCa: true, notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - day) });
    const leaf = issueCertificate({ commonName: 'Leaf', issuer: oldCa, notBefore: new Date(Date.now() - 300 * day) });
    expect(await outcome(leaf, [oldCa], { signingTime: null })).toMatch(/^CERT_EXPIRED: issuer .*expired/);
    const young = issueCertificate({ commonName: 'Young', issuer: pki.intermediate, notBefore: new Date(Date.now() - 60_000) });
    expect(await outcome(young, [pki.intermediate], { signingTime: new Date(Date.now() - day) })).toMatch(/^CERT_EXPIRED: .*not valid before/);
  });
  it('finds intermediates in the trust store when the signature does not carry them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-trust-'));
    writeFileSync(join(dir, 'bundle.pem'), pki.root.certificatePem + pki.intermediate.certificatePem);
    expect(await outcome(pki.signer, [], {}, depsWith({}, dir))).toBe('OK');
    expect(await outcome(pki.signer, [])).toMatch(/^CERT_UNTRUSTED: no trusted issuer/);
  });
});
