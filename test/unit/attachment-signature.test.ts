import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyAttachment } from '../../src/signatures/verify-attachment.ts';
import type { CmsVerifierDeps } from '../../src/signatures/verify-cms-signature.ts';
import { createTestPki, type TestPki } from '../helpers/test-pki.ts';

let pki: TestPki;
let deps: CmsVerifierDeps;
// A minimal PDF: the bytes are what matters, not that it renders.
const pdf = Buffer.from('%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n% Giấy chứng nhận kết quả\n%%EOF\n', 'utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(() => {
  pki = createTestPki();
  deps = { trustStore: new TrustStore([pki.trustDir]), chainCache: new VerifiedChainCache(60_000) };
});

describe('a signed attachment', () => {
  it('is accepted when its hash matches the declared one and its detached signature verifies', async () => {
    const verified = await verifyAttachment({ content: pdf, declaredSha256: sha256(pdf), signature: signCms(pdf, pki.defaultSigner) }, deps);
    expect(verified.signer.subject).toContain('CN=Test Province Signer');
  });
  it('is refused when the file differs from the declared hash', async () => {
    const other = Buffer.concat([pdf, Buffer.from(' ')]);
    await expect(verifyAttachment({ content: other, declaredSha256: sha256(pdf), signature: signCms(other, pki.defaultSigner) }, deps)).rejects.toThrowError(
      /does not match the SHA-256 declared/,
    );
  });
  it('is refused when the file was replaced together with its hash but not re-signed', async () => {
    const replaced = Buffer.from(pdf.toString().replace('kết quả', 'giả mạo'));
    await expect(verifyAttachment({ content: replaced, declaredSha256: sha256(replaced), signature: signCms(pdf, pki.defaultSigner) }, deps)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
  it('is refused when signed by an untrusted certificate', async () => {
    const stranger = issueCertificate({ commonName: 'Stranger' });
    await expect(verifyAttachment({ content: pdf, declaredSha256: sha256(pdf), signature: signCms(pdf, pki.signerFor(stranger, [])) }, deps)).rejects.toMatchObject({
      code: 'CERT_UNTRUSTED',
    });
  });
});
