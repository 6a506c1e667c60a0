import { createHash, hash } from 'node:crypto';
import forge from 'node-forge';
import { asn1Time } from './asn1.ts';
import type { CertificateInfo } from './certificate-info.ts';
import { parseSignedData, type ParsedSignedData } from './cms-parse.ts';
import { oid } from './oids.ts';
import { signatureSchemeOf, verifySignatureBytes } from './signature-algorithms.ts';
import { SignatureError } from './signature-error.ts';
import { resolveSigner, type SignerTrustDeps } from './resolve-signer.ts';
import type { VerifiedSigner } from './verified-chain-cache.ts';

export type { RevocationChecker } from './resolve-signer.ts';

export interface VerifiedSignature {
  signer: VerifiedSigner;
  /** The signingTime signed attribute, when the signer included one. */
  signingTime?: Date;
  /**
   * SHA-256 (hex) of exactly what the signer signed: the DER signed attributes (they carry the body's digest and
   * the signing time), or the body when there are none. Unlike the signature's own bytes, which anyone holding
   * an ECDSA signature can re-randomize (s → n − s) without the key, this names one act of signing.
   */
  signedContentSha256: string;
}

export type CmsVerifierDeps = SignerTrustDeps;

function readSigningTime(attributes: Map<string, forge.asn1.Asn1[]>): Date | undefined {
  const value = attributes.get(oid.signingTime)?.[0];
  return value ? asn1Time(value) : undefined;
}

/** With signed attributes the signature covers them, and they in turn pin the content by its digest. */
function signedBytes(signedData: ParsedSignedData, content: Buffer, digest: string): Buffer {
  const { signedAttributesDer, attributes } = signedData.signer;
  if (!signedAttributesDer) return content;
  const contentType = attributes.get(oid.contentType)?.[0];
  if (!contentType || forge.asn1.derToOid(contentType.value as string) !== signedData.encapsulatedContentType) {
    throw new SignatureError('SIGNATURE_INVALID', 'signed contentType attribute is missing or does not match the content');
  }
  const messageDigest = attributes.get(oid.messageDigest)?.[0];
  if (!messageDigest) throw new SignatureError('SIGNATURE_INVALID', 'signed messageDigest attribute is missing');
  const expected = Buffer.from(messageDigest.value as string, 'binary');
  const actual = createHash(digest).update(content).digest();
  if (!expected.equals(actual)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the body does not match the signed digest: it was altered after signing');
  }
  return signedAttributesDer;
}

/**
 * Verifies a CMS SignedData signature over `content` (detached, or attached with identical content):
 * parse → algorithms → signer certificate → chain at now and at signingTime (cached) → revocation (every time)
 * → signed attributes → signature (node:crypto: RSA PKCS#1 v1.5, RSA-PSS, ECDSA).
 */
export async function verifyCmsSignature(signatureBase64: string, content: Buffer, deps: CmsVerifierDeps, now = new Date()): Promise<VerifiedSignature> {
  const signedData = parseSignedData(signatureBase64);
  if (signedData.encapsulatedContent && !signedData.encapsulatedContent.equals(content)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the attached signed content differs from the body');
  }
  const scheme = signatureSchemeOf(signedData.signer);
  const signingTime = readSigningTime(signedData.signer.attributes);
  const signer = await resolveSigner(signedData.certificatesDer, matchesSignerId(signedData.signer), deps, now, signingTime);
  const data = signedBytes(signedData, content, scheme.digest);
  if (!verifySignatureBytes(scheme, data, signer.certificate.x509.publicKey, signedData.signer.signature)) {
    throw new SignatureError('SIGNATURE_INVALID', 'signature does not verify with the signer certificate');
  }
  return { signer, signingTime, signedContentSha256: hash('sha256', data, 'hex') };
}

function matchesSignerId(signer: ParsedSignedData['signer']) {
  return (cert: CertificateInfo) =>
    signer.subjectKeyIdentifier ? cert.subjectKeyIdentifier === signer.subjectKeyIdentifier.toString('hex') : cert.serialHex === signer.serialHex;
}
