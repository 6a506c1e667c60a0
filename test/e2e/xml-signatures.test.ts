import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { issueCertificate, issueCrl, type IssuedCertificate } from '../../src/signatures/pki-factory.ts';
import type { CmsSigner } from '../../src/signatures/sign-cms.ts';
import { signXmlEnveloped } from '../../src/signatures/sign-xml.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyXmlSignature } from '../../src/signatures/verify-xml-signature.ts';
import { createTestPki, type TestPki } from '../helpers/test-pki.ts';
import { agencyCode, startTestGateway, statusUpdate, totalJobs, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
let pki: TestPki;
let revoked: IssuedCertificate;
let provinceBSigner: IssuedCertificate;
const day = 86_400_000;

beforeAll(async () => {
  pki = createTestPki();
  revoked = issueCertificate({ commonName: 'Revoked official', issuer: pki.intermediate });
  provinceBSigner = issueCertificate({ commonName: 'Province B Signer', issuer: pki.intermediate });
  const crlDir = mkdtempSync(join(tmpdir(), 'gw-crl-'));
  writeFileSync(join(crlDir, 'official-duty.crl'), issueCrl({ issuer: pki.intermediate, revoked: [{ serialHex: revoked.serialHex }] }));
  const fingerprint = (c: IssuedCertificate) => new X509Certificate(c.certificatePem).fingerprint256;
  t = await startTestGateway({
    role: 'api',
    pki,
    overrides: {
      trust: { crl: { directories: [crlDir], fetch: false } },
      partners: {
        'province-a': { certificates: [{ fingerprint256: fingerprint(pki.signer) }, { fingerprint256: fingerprint(revoked) }] },
        'province-b': {
          name: 'Province B',
          apiKeyHashes: [hashApiKey('province-b-key')],
          agencies: ['000.00.01.H23'],
          certificates: [{ fingerprint256: fingerprint(provinceBSigner) }],
          rateLimit: { max: 1000, timeWindowMs: 1000 },
        },
      },
    },
  });
});
afterAll(() => t.close());

let jobsBefore = 0;
afterEach(async () => {
  jobsBefore = totalJobs(await t.jobCounts());
});

function statusXml(doc: Record<string, unknown>, rootAttributes = ''): string {
  const applicant = doc.applicant as Record<string, string>;
  return (
    `<DossierStatus${rootAttributes}><dossierCode>${doc.dossierCode}</dossierCode><procedureCode>${doc.procedureCode}</procedureCode>` +
    `<agencyCode>${doc.agencyCode}</agencyCode><status>${doc.status}</status><statusTime>${doc.statusTime}</statusTime>` +
    `<channel>${doc.channel}</channel><applicant><fullName>${applicant.fullName}</fullName></applicant></DossierStatus>`
  );
}

const sendXml = (xml: string) => t.send({ raw: xml, contentType: 'application/xml', signature: null });
const signer = (cert: IssuedCertificate): CmsSigner => pki.signerFor(cert);

async function expectRefused(xml: string, code: string) {
  const res = await sendXml(xml);
  expect(res.statusCode, JSON.stringify(res.body)).toBe(code === 'AGENCY_FORBIDDEN' ? 403 : 422);
  expect(res.body.error).toBe(code);
  expect(totalJobs(await t.jobCounts())).toBe(jobsBefore);
  return res;
}

describe('XML-DSig enveloped signatures', () => {
  it('accept a signed XML update and queue exactly the signed content', async () => {
    const doc = statusUpdate();
    const res = await sendXml(signXmlEnveloped(statusXml(doc), pki.defaultSigner));
    expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
    const job = await t.gateway.queues.get('national-portal').getJob(res.body.messageId);
    expect(job!.data.payload).toEqual({ ...doc, note: undefined, applicant: { fullName: (doc.applicant as { fullName: string }).fullName } } as never);
    expect(job!.data.signer!.fingerprint256).toBe(new X509Certificate(pki.signer.certificatePem).fingerprint256);
  });

  it('accept a reference to the root by its Id', async () => {
    const res = await sendXml(signXmlEnveloped(statusXml(statusUpdate(), ' Id="status-1"'), pki.defaultSigner, { referenceById: true }));
    expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
  });

  it('refuse a body changed after signing with SIGNATURE_INVALID', async () => {
    const signed = signXmlEnveloped(statusXml(statusUpdate({ status: 4 })), pki.defaultSigner);
    await expectRefused(signed.replace('<status>4</status>', '<status>10</status>'), 'SIGNATURE_INVALID');
  });

  it('refuse a swapped certificate (bound certificate in KeyInfo, another key signing)', async () => {
    const impostor = issueCertificate({ commonName: 'Impostor', issuer: pki.intermediate });
    await expectRefused(signXmlEnveloped(statusXml(statusUpdate()), { ...pki.defaultSigner, privateKeyPem: impostor.privateKeyPem }), 'SIGNATURE_INVALID');
  });

  it('refuse each certificate problem with its code', async () => {
    const xml = () => statusXml(statusUpdate());
    const other = createTestPki();
    await expectRefused(signXmlEnveloped(xml(), other.defaultSigner), 'CERT_UNTRUSTED');
    const expired = issueCertificate({ commonName: 'Expired', issuer: pki.intermediate, notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    await expectRefused(signXmlEnveloped(xml(), signer(expired)), 'CERT_EXPIRED');
    await expectRefused(signXmlEnveloped(xml(), signer(provinceBSigner)), 'CERT_NOT_BOUND');
    const noSigning = issueCertificate({ commonName: 'Encipher only', issuer: pki.intermediate, keyUsage: { keyEncipherment: true } });
    await expectRefused(signXmlEnveloped(xml(), signer(noSigning)), 'CERT_USAGE_INVALID');
    await expectRefused(signXmlEnveloped(xml(), pki.defaultSigner, { digest: 'sha1' }), 'ALGORITHM_WEAK');
    const weakKey = issueCertificate({ commonName: 'Weak key', issuer: pki.intermediate, keyBits: 1024 });
    await expectRefused(signXmlEnveloped(xml(), signer(weakKey)), 'ALGORITHM_WEAK');
    await expectRefused(signXmlEnveloped(xml(), signer(revoked)), 'CERT_REVOKED');
  });

  it('refuse the same revoked certificate in a CMS X-Signature too', async () => {
    const res = await t.send({ signer: signer(revoked) });
    expect(res.statusCode).toBe(422);
    expect(res.body.error).toBe('CERT_REVOKED');
  });
});

describe('signature wrapping attempts', () => {
  it('refuse two signatures', async () => {
    const once = signXmlEnveloped(statusXml(statusUpdate()), pki.defaultSigner);
    await expectRefused(signXmlEnveloped(once, pki.defaultSigner), 'SIGNATURE_INVALID');
  });

  it('refuse a signature that is not a direct child of the root', async () => {
    const signed = signXmlEnveloped(statusXml(statusUpdate()), pki.defaultSigner);
    const signature = signed.slice(signed.indexOf('<Signature'), signed.indexOf('</Signature>') + '</Signature>'.length);
    const nested = signed.replace(signature, '').replace('</applicant>', `${signature}</applicant>`);
    // Over HTTP the schema already refuses the stray element; the verifier's own rule stands behind it.
    const res = await sendXml(nested);
    expect([res.statusCode, res.body.error]).toEqual([400, 'SCHEMA_INVALID']);
    expect(totalJobs(await t.jobCounts())).toBe(jobsBefore);
    const deps = { trustStore: t.gateway.trustStore, chainCache: new VerifiedChainCache(1000) };
    await expect(verifyXmlSignature(nested, deps)).rejects.toThrowError(/direct child of the document root/);
  });

  it('refuse a forged root that reuses the signed root\'s Id, with the original hidden inside the signature', async () => {
    const original = statusXml(statusUpdate({ status: 4 }), ' Id="status-1"');
    const signed = signXmlEnveloped(original, pki.defaultSigner, { referenceById: true });
    const signature = signed.slice(signed.indexOf('<Signature'), signed.indexOf('</Signature>'));
    const forged = statusXml(statusUpdate({ status: 10 }), ' Id="status-1"').replace(
      '</DossierStatus>',
      `${signature}<Object>${original}</Object></Signature></DossierStatus>`,
    );
    const res = await expectRefused(forged, 'SIGNATURE_INVALID');
    expect(res.body.message).toMatch(/appears 2 times|does not verify|exactly one ds:Reference/);
  });

  it('refuse a reference that covers only a child element, not the whole document', async () => {
    const xml = statusXml(statusUpdate()).replace('<applicant>', '<applicant Id="part">');
    const signed = signXmlEnveloped(xml, pki.defaultSigner, { referenceById: true });
    // Sign as if the child were the target: point the (already valid) reference at the child instead.
    const retargeted = signed.replace(/URI="[^"]*"/, 'URI="#part"');
    const res = await expectRefused(retargeted, 'SIGNATURE_INVALID');
    expect(res.body.message).toMatch(/not the document root/);
  });

  it('refuse an XML body with neither X-Signature nor an enveloped signature', async () => {
    await expectRefused(statusXml(statusUpdate()), 'SIGNATURE_INVALID');
  });
});

it('keeps Vietnamese text intact through signing and parsing', async () => {
  const doc = statusUpdate({ applicant: { fullName: 'Đặng Thị Ngọc Hường' } });
  const res = await sendXml(signXmlEnveloped(statusXml(doc), pki.defaultSigner));
  expect(res.statusCode).toBe(202);
  const job = await t.gateway.queues.get('national-portal').getJob(res.body.messageId);
  expect((job!.data.payload as { applicant: { fullName: string } }).applicant.fullName).toBe('Đặng Thị Ngọc Hường');
  expect(job!.data.agencyCode).toBe(agencyCode);
});
