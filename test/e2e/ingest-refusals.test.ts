import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { issueCertificate, type IssuedCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { startTestGateway, statusUpdate, totalJobs, type TestGateway } from '../helpers/test-gateway.ts';

/** An api-only gateway: anything that got queued would stay visible in the queue. */
let t: TestGateway;
/** Signs for province B, a partner of the same gateway. */
let provinceBSigner: IssuedCertificate;
beforeAll(async () => {
  const pki = createTestPki();
  provinceBSigner = issueCertificate({ commonName: 'Province B Signer', issuer: pki.intermediate });
  const provinceB = {
    name: 'Province B',
    apiKeyHashes: [hashApiKey('province-b-key')],
    agencies: ['000.00.01.H23'],
    certificates: [{ fingerprint256: new X509Certificate(provinceBSigner.certificatePem).fingerprint256 }],
    rateLimit: { max: 1000, timeWindowMs: 1000 },
  };
  t = await startTestGateway({ role: 'api', pki, overrides: { partners: { 'province-b': provinceB } } });
});
afterAll(() => t.close());
afterEach(async () => {
  expect(totalJobs(await t.jobCounts())).toBe(0);
});

const day = 86_400_000;

async function expectRefusal(res: { statusCode: number; body: any }, status: number, code: string) {
  expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: code, message: expect.any(String), details: expect.any(Array) });
}

describe('authentication', () => {
  it('refuses a missing API key with 401 AUTH_INVALID', async () => {
    const res = await t.send({ apiKey: null });
    await expectRefusal(res, 401, 'AUTH_INVALID');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
  it('refuses an unknown API key with 401 AUTH_INVALID', async () => {
    await expectRefusal(await t.send({ apiKey: 'not-a-key' }), 401, 'AUTH_INVALID');
  });
  it('refuses an agency the partner does not speak for with 403 AGENCY_FORBIDDEN', async () => {
    await expectRefusal(await t.send({ doc: statusUpdate({ agencyCode: '000.00.09.H99' }) }), 403, 'AGENCY_FORBIDDEN');
  });
});

describe('body', () => {
  it('refuses malformed JSON with 400 BODY_MALFORMED', async () => {
    await expectRefusal(await t.send({ raw: '{"dossierCode": "A-1",' }), 400, 'BODY_MALFORMED');
  });
  it('refuses malformed XML with 400 BODY_MALFORMED', async () => {
    await expectRefusal(await t.send({ raw: '<DossierStatus><status>4</DossierStatus>', contentType: 'application/xml' }), 400, 'BODY_MALFORMED');
  });
  it('refuses an XML entity bomb without expanding it', async () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE DossierStatus [<!ENTITY lol0 "lol">${lol}]><DossierStatus><note>&lol9;</note></DossierStatus>`;
    const res = await t.send({ raw: bomb, contentType: 'application/xml' });
    await expectRefusal(res, 400, 'BODY_MALFORMED');
    expect(res.body.message).toMatch(/DTD/);
  });
  it('refuses an XML document with another root element', async () => {
    await expectRefusal(await t.send({ raw: '<Payment><amount>1</amount></Payment>', contentType: 'application/xml' }), 400, 'BODY_MALFORMED');
  });
  it('refuses a body over the size limit with 413 BODY_TOO_LARGE', async () => {
    const res = await t.send({ doc: statusUpdate({ note: 'x'.repeat(300_000) }) });
    await expectRefusal(res, 413, 'BODY_TOO_LARGE');
  });
  it('refuses another content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await expectRefusal(await t.send({ raw: 'dossierCode=1', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
  it('names every failing field with 400 SCHEMA_INVALID', async () => {
    const doc = statusUpdate({ dossierCode: '!', status: 11, statusTime: '2026-11-23 09:15', channel: 'fax', extra: 1 });
    delete doc.procedureCode;
    (doc.applicant as Record<string, string>).personalId = '12345';
    const res = await t.send({ doc });
    await expectRefusal(res, 400, 'SCHEMA_INVALID');
    const paths = res.body.details.map((d: { path: string }) => d.path);
    expect(new Set(paths)).toEqual(
      new Set(['/dossierCode', '/status', '/statusTime', '/channel', '/extra', '/procedureCode', '/applicant/personalId']),
    );
  });
  it('validates XML with the same schema (a non-numeric status is refused)', async () => {
    const res = await t.send({ raw: '<DossierStatus><dossierCode>A-123</dossierCode><status>four</status></DossierStatus>', contentType: 'application/xml' });
    await expectRefusal(res, 400, 'SCHEMA_INVALID');
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain('/status');
  });
  it('refuses a malformed Idempotency-Key', async () => {
    await expectRefusal(await t.send({ headers: { 'idempotency-key': 'has spaces in it' } }), 400, 'SCHEMA_INVALID');
  });
});

describe('replay protection', () => {
  it('refuses a missing X-Timestamp with 422 STALE_REQUEST', async () => {
    await expectRefusal(await t.send({ timestamp: null }), 422, 'STALE_REQUEST');
  });
  it('refuses an X-Timestamp older than 5 minutes with 422 STALE_REQUEST', async () => {
    await expectRefusal(await t.send({ timestamp: new Date(Date.now() - 6 * 60_000).toISOString() }), 422, 'STALE_REQUEST');
  });
  it('refuses a replayed signature whose signed signingTime is old, even with a fresh X-Timestamp', async () => {
    const res = await t.send({ signOptions: { signingTime: new Date(Date.now() - 10 * 60_000) } });
    await expectRefusal(res, 422, 'STALE_REQUEST');
    expect(res.body.details[0].path).toBe('signature:signingTime');
  });
});

describe('signatures', () => {
  const pki = () => t.pki;

  it('refuses a missing X-Signature with 422 SIGNATURE_INVALID', async () => {
    await expectRefusal(await t.send({ signature: null }), 422, 'SIGNATURE_INVALID');
  });
  it('refuses garbage in X-Signature with 422 SIGNATURE_INVALID', async () => {
    await expectRefusal(await t.send({ signature: 'bm90IGEgY21zIG1lc3NhZ2U=' }), 422, 'SIGNATURE_INVALID');
  });
  it('refuses a body changed after signing (a tampered field) with 422 SIGNATURE_INVALID', async () => {
    const doc = statusUpdate();
    const signature = signCms(Buffer.from(JSON.stringify(doc)), pki().defaultSigner);
    const res = await t.send({ doc: { ...doc, status: 10 }, signature });
    await expectRefusal(res, 422, 'SIGNATURE_INVALID');
    expect(res.body.message).toMatch(/altered/);
  });
  it('refuses tampered signed attributes (messageDigest of other content) with 422 SIGNATURE_INVALID', async () => {
    await expectRefusal(await t.send({ signOptions: { digestOverride: Buffer.from('other content') } }), 422, 'SIGNATURE_INVALID');
  });
  it('refuses a swapped certificate (bound certificate, another key) with 422 SIGNATURE_INVALID', async () => {
    const impostor = issueCertificate({ commonName: 'Impostor', issuer: pki().intermediate });
    const signer = { ...pki().defaultSigner, privateKeyPem: impostor.privateKeyPem };
    await expectRefusal(await t.send({ signer }), 422, 'SIGNATURE_INVALID');
  });
  it('refuses a certificate from an unknown CA with 422 CERT_UNTRUSTED', async () => {
    const other = createTestPki();
    await expectRefusal(await t.send({ signer: other.defaultSigner }), 422, 'CERT_UNTRUSTED');
  });
  it('refuses a self-signed certificate with 422 CERT_UNTRUSTED', async () => {
    const selfSigned = issueCertificate({ commonName: 'Test Province Signer' });
    await expectRefusal(await t.send({ signer: pki().signerFor(selfSigned, []) }), 422, 'CERT_UNTRUSTED');
  });
  it('refuses an expired certificate with 422 CERT_EXPIRED', async () => {
    const expired = issueCertificate({ commonName: 'Expired', issuer: pki().intermediate, notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    const res = await t.send({ signer: pki().signerFor(expired), signOptions: { signingTime: null } });
    await expectRefusal(res, 422, 'CERT_EXPIRED');
    expect(res.body.message).toMatch(/expired/);
  });
  it('refuses a certificate not yet valid with 422 CERT_EXPIRED', async () => {
    const future = issueCertificate({ commonName: 'Future', issuer: pki().intermediate, notBefore: new Date(Date.now() + day) });
    const res = await t.send({ signer: pki().signerFor(future), signOptions: { signingTime: null } });
    await expectRefusal(res, 422, 'CERT_EXPIRED');
    expect(res.body.message).toMatch(/not valid before/);
  });
  it('refuses a trusted certificate bound to no partner with 422 CERT_NOT_BOUND', async () => {
    const colleague = issueCertificate({ commonName: 'Another official', issuer: pki().intermediate });
    await expectRefusal(await t.send({ signer: pki().signerFor(colleague) }), 422, 'CERT_NOT_BOUND');
  });
  it('refuses a certificate bound to another partner with 422 CERT_NOT_BOUND', async () => {
    await expectRefusal(await t.send({ signer: pki().signerFor(provinceBSigner) }), 422, 'CERT_NOT_BOUND');
  });
  it('refuses a certificate without a signing key usage with 422 CERT_USAGE_INVALID', async () => {
    const encipherOnly = issueCertificate({ commonName: 'Encipher', issuer: pki().intermediate, keyUsage: { keyEncipherment: true } });
    await expectRefusal(await t.send({ signer: pki().signerFor(encipherOnly) }), 422, 'CERT_USAGE_INVALID');
  });
  it('refuses SHA-1 and RSA-1024 with 422 ALGORITHM_WEAK', async () => {
    await expectRefusal(await t.send({ signOptions: { digest: 'sha1' } }), 422, 'ALGORITHM_WEAK');
    const weak = issueCertificate({ commonName: 'Weak', issuer: pki().intermediate, keyBits: 1024 });
    await expectRefusal(await t.send({ signer: pki().signerFor(weak) }), 422, 'ALGORITHM_WEAK');
  });
});
