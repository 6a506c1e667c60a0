import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { validateCertificateChain, type ChainPolicy } from './certificate-chain.ts';
import { parseCertificate, type CertificateInfo } from './certificate-info.ts';
import { parseSignedData, type ParsedSignedData } from './cms-parse.ts';
import { oid } from './oids.ts';
import { signatureSchemeOf, verifySignatureBytes } from './signature-algorithms.ts';
import { SignatureError } from './signature-error.ts';
import type { TrustStore } from './trust-store.ts';
import type { VerifiedChainCache, VerifiedSigner } from './verified-chain-cache.ts';

export interface VerifiedSignature {
  signer: VerifiedSigner;
  /** The signingTime signed attribute, when the signer included one. */
  signingTime?: Date;
}

/** Checks a validated path for revoked certificates; throws SignatureError (CERT_REVOKED, CERT_REVOCATION_UNKNOWN). */
export interface RevocationChecker {
  check(path: CertificateInfo[], at: Date): Promise<void>;
}

export interface CmsVerifierDeps {
  trustStore: TrustStore;
  chainCache: VerifiedChainCache;
  revocation?: RevocationChecker;
  policy?: ChainPolicy;
}

/** Same text as X509Certificate#fingerprint256, without parsing the certificate. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

function readSigningTime(attributes: Map<string, forge.asn1.Asn1[]>): Date | undefined {
  const value = attributes.get(oid.signingTime)?.[0];
  if (!value) return undefined;
  const text = value.value as string;
  return value.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(text) : forge.asn1.generalizedTimeToDate(text);
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
  const signer = resolveSigner(signedData, deps, now, signingTime);
  await deps.revocation?.check(signer.path, now);
  const data = signedBytes(signedData, content, scheme.digest);
  if (!verifySignatureBytes(scheme, data, signer.certificate.x509.publicKey, signedData.signer.signature)) {
    throw new SignatureError('SIGNATURE_INVALID', 'signature does not verify with the signer certificate');
  }
  return { signer, signingTime };
}

function matchesSignerId(cert: CertificateInfo, signer: ParsedSignedData['signer']): boolean {
  return signer.subjectKeyIdentifier ? cert.subjectKeyIdentifier === signer.subjectKeyIdentifier.toString('hex') : cert.serialHex === signer.serialHex;
}

function resolveSigner(signedData: ParsedSignedData, { trustStore, chainCache, policy }: CmsVerifierDeps, now: Date, signingTime?: Date): VerifiedSigner {
  // A cached signer was validated at `now`-ish; a signing time outside its validity still needs the full check.
  const signingTimeOk = (c: CertificateInfo) => !signingTime || (signingTime >= c.notBefore && signingTime <= c.notAfter);
  for (const der of signedData.certificatesDer) {
    const cached = chainCache.get(fingerprintOf(der), trustStore.generation, now.getTime());
    if (cached && matchesSignerId(cached.certificate, signedData.signer) && signingTimeOk(cached.certificate)) return cached;
  }
  let parsed: CertificateInfo[];
  try {
    parsed = signedData.certificatesDer.map(parseCertificate);
  } catch (err) {
    throw new SignatureError('SIGNATURE_INVALID', `an included certificate cannot be parsed: ${(err as Error).message}`);
  }
  const matches = parsed.filter((c) => matchesSignerId(c, signedData.signer));
  if (matches.length !== 1) throw new SignatureError('SIGNATURE_INVALID', 'the signer certificate is not included in the signature');
  const leaf = matches[0]!;
  const times = signingTime ? [now, signingTime] : [now];
  const chain = validateCertificateChain(leaf, parsed.filter((c) => c !== leaf), trustStore, times, policy);
  const signer: VerifiedSigner = { fingerprint256: leaf.fingerprint256, subject: leaf.x509.subject, serialHex: leaf.serialHex, certificate: leaf, path: chain.path };
  chainCache.set(signer, chain.validUntil, trustStore.generation, now.getTime());
  return signer;
}
