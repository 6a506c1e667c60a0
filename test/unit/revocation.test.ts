import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrlRevocationChecker, type CrlPolicy } from '../../src/signatures/crl-revocation.ts';
import { issueCertificate, issueCrl, type IssuedCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../../src/signatures/verify-cms-signature.ts';
import { createTestPki, type TestPki } from '../helpers/test-pki.ts';

const day = 86_400_000;
const body = Buffer.from('{"dossierCode":"000.00.01.H22-261123-0003","status":2}');
let pki: TestPki;
let crlServer: FastifyInstance;
let served: { status: number; crl?: Buffer; hits: number; delayMs: number };
let cdpSigner: IssuedCertificate;

beforeAll(async () => {
  pki = createTestPki();
  served = { status: 200, hits: 0, delayMs: 0 };
  crlServer = Fastify({ forceCloseConnections: true });
  crlServer.get('/official-duty.crl', async (_req, reply) => {
    served.hits += 1;
    if (served.delayMs) await new Promise((r) => setTimeout(r, served.delayMs));
    if (served.status !== 200 || !served.crl) return reply.code(served.status === 200 ? 404 : served.status).send();
    return reply.type('application/pkix-crl').send(served.crl);
  });
  const url = await crlServer.listen({ host: '127.0.0.1', port: 0 });
  cdpSigner = issueCertificate({ commonName: 'Official with CDP', issuer: pki.intermediate, crlUrl: `${url}/official-duty.crl` });
});
afterAll(() => crlServer.close());

function checker(policy: Partial<CrlPolicy> = {}) {
  return new CrlRevocationChecker({ directories: [], fetch: true, fetchTimeoutMs: 5000, refreshAheadMs: 0, stalePolicy: 'fail-closed', ...policy });
}

async function verdict(cert: IssuedCertificate, revocation: CrlRevocationChecker, chainCache = new VerifiedChainCache(60_000)): Promise<string> {
  const signature = signCms(body, pki.signerFor(cert));
  try {
    await verifyCmsSignature(signature, body, { trustStore: new TrustStore([pki.trustDir]), chainCache, revocation });
    return 'OK';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

const crlDir = (...crls: Buffer[]) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-crl-'));
  crls.forEach((crl, i) => writeFileSync(join(dir, `${i}.crl`), crl));
  return dir;
};

describe('CRLs from files', () => {
  it('refuses a revoked signer with CERT_REVOKED, and accepts it once a CRL without it is loaded', async () => {
    const dir = crlDir(issueCrl({ issuer: pki.intermediate, revoked: [{ serialHex: pki.signer.serialHex }] }));
    const revocation = checker({ directories: [dir], fetch: false });
    expect(await verdict(pki.signer, revocation)).toBe('CERT_REVOKED');
    writeFileSync(join(dir, '0.crl'), issueCrl({ issuer: pki.intermediate, revoked: [] }));
    revocation.reload();
    expect(await verdict(pki.signer, revocation)).toBe('OK');
  });

  it('checks revocation on every use, even when the chain verdict is cached', async () => {
    const dir = crlDir(issueCrl({ issuer: pki.intermediate }));
    const revocation = checker({ directories: [dir], fetch: false });
    const cache = new VerifiedChainCache(60_000);
    expect(await verdict(pki.signer, revocation, cache)).toBe('OK');
    expect(cache.size).toBe(1);
    writeFileSync(join(dir, '0.crl'), issueCrl({ issuer: pki.intermediate, revoked: [{ serialHex: pki.signer.serialHex }] }));
    revocation.reload();
    expect(await verdict(pki.signer, revocation, cache)).toBe('CERT_REVOKED');
  });

  it('refuses a signer under a revoked intermediate', async () => {
    const dir = crlDir(issueCrl({ issuer: pki.root, revoked: [{ serialHex: pki.intermediate.serialHex }] }));
    expect(await verdict(pki.signer, checker({ directories: [dir], fetch: false }))).toBe('CERT_REVOKED');
  });

  it('ignores a CRL not signed by the issuer (a forged CRL cannot un-revoke or revoke)', async () => {
    const other = createTestPki();
    const forgedIssuer = { ...other.intermediate, subjectAttributes: pki.intermediate.subjectAttributes, der: pki.intermediate.der };
    const dir = crlDir(issueCrl({ issuer: forgedIssuer as IssuedCertificate, revoked: [{ serialHex: pki.signer.serialHex }] }));
    expect(await verdict(pki.signer, checker({ directories: [dir], fetch: false }))).toBe('OK'); // no CDP: nothing to require
    expect(await verdict(cdpSigner, checker({ directories: [dir], fetch: false }))).toBe('CERT_REVOCATION_UNKNOWN');
  });
});

describe('CRLs from distribution points', () => {
  it('fetches the CRL named in the certificate and refuses a revoked signer', async () => {
    served = { status: 200, hits: 0, delayMs: 0, crl: issueCrl({ issuer: pki.intermediate, revoked: [{ serialHex: cdpSigner.serialHex }] }) };
    expect(await verdict(cdpSigner, checker())).toBe('CERT_REVOKED');
    served.crl = issueCrl({ issuer: pki.intermediate });
    expect(await verdict(cdpSigner, checker())).toBe('OK');
  });

  it('fails closed when no CRL can be had, unless the policy says fail-open', async () => {
    served = { status: 503, hits: 0, delayMs: 0 };
    expect(await verdict(cdpSigner, checker())).toBe('CERT_REVOCATION_UNKNOWN');
    expect(await verdict(cdpSigner, checker({ stalePolicy: 'fail-open' }))).toBe('OK');
  });

  it('refuses on a stale CRL (past nextUpdate) when no newer one can be fetched, and recovers when one can', async () => {
    served = { status: 200, hits: 0, delayMs: 0, crl: issueCrl({ issuer: pki.intermediate, thisUpdate: new Date(Date.now() - 3 * day), nextUpdate: new Date(Date.now() - day) }) };
    const revocation = checker();
    expect(await verdict(cdpSigner, revocation)).toBe('CERT_REVOCATION_UNKNOWN');
    served.crl = issueCrl({ issuer: pki.intermediate });
    expect(await verdict(cdpSigner, revocation)).toBe('OK');
  });

  it('downloads once for many concurrent verifications, and refreshes ahead of nextUpdate', async () => {
    served = { status: 200, hits: 0, delayMs: 100, crl: issueCrl({ issuer: pki.intermediate, nextUpdate: new Date(Date.now() + 30 * 60_000) }) };
    const revocation = checker({ refreshAheadMs: 60 * 60_000 });
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => verdict(cdpSigner, revocation)));
    expect(new Set(verdicts)).toEqual(new Set(['OK']));
    expect(served.hits).toBe(1);
    // Due within the refresh margin: the next use triggers a background download and is still answered at once.
    expect(await verdict(cdpSigner, revocation)).toBe('OK');
    await expect.poll(() => served.hits).toBe(2);
  });
});
