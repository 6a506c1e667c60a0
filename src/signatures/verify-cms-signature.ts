import { X509Certificate, createHash, verify as cryptoVerify } from 'node:crypto';
import forge from 'node-forge';
import { validateCertificateChain } from './certificate-chain.ts';
import { parseSignedData, type ParsedSignedData } from './cms-parse.ts';
import { acceptedDigests, oid, rsaPkcs1SignatureOids } from './oids.ts';
import { SignatureError } from './signature-error.ts';
import { toTrustedCertificate, type TrustStore } from './trust-store.ts';
import type { VerifiedChainCache, VerifiedSigner } from './verified-chain-cache.ts';

export interface VerifiedSignature {
  signer: VerifiedSigner;
  /** The signingTime signed attribute, when the signer included one. */
  signingTime?: Date;
}

/** Same text as X509Certificate#fingerprint256, without parsing the certificate. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

function digestNameOf(signedData: ParsedSignedData): 'sha256' | 'sha384' | 'sha512' {
  const { digestAlgorithm, signatureAlgorithm } = signedData.signer;
  if (digestAlgorithm === oid.sha1 || signatureAlgorithm === oid.sha1WithRSA) {
    throw new SignatureError('ALGORITHM_WEAK', 'SHA-1 signatures are refused');
  }
  const digest = acceptedDigests[digestAlgorithm];
  if (!digest) throw new SignatureError('SIGNATURE_INVALID', `unsupported digest algorithm ${digestAlgorithm}`);
  if (!rsaPkcs1SignatureOids.has(signatureAlgorithm)) {
    throw new SignatureError('SIGNATURE_INVALID', `unsupported signature algorithm ${signatureAlgorithm}`);
  }
  return digest;
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
  if (expected.length !== actual.length || !expected.equals(actual)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the body does not match the signed digest: it was altered after signing');
  }
  return signedAttributesDer;
}

export interface CmsVerifierDeps {
  trustStore: TrustStore;
  chainCache: VerifiedChainCache;
}

/**
 * Verifies a CMS SignedData signature over `content` (detached, or attached with identical content):
 * parse → algorithms → signer certificate → chain (cached) → signed attributes → RSA signature (node:crypto).
 */
export function verifyCmsSignature(signatureBase64: string, content: Buffer, deps: CmsVerifierDeps, now = new Date()): VerifiedSignature {
  const signedData = parseSignedData(signatureBase64);
  if (signedData.encapsulatedContent && !signedData.encapsulatedContent.equals(content)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the attached signed content differs from the body');
  }
  const digest = digestNameOf(signedData);
  const signer = resolveSigner(signedData, deps, now);

  const signingTime = readSigningTime(signedData.signer.attributes);
  if (signingTime && (signingTime < signer.notBefore || signingTime > signer.notAfter)) {
    throw new SignatureError('CERT_EXPIRED', 'the certificate was not valid at the signing time');
  }
  const data = signedBytes(signedData, content, digest);
  if (!cryptoVerify(digest, data, signer.x509.publicKey, signedData.signer.signature)) {
    throw new SignatureError('SIGNATURE_INVALID', 'signature does not verify with the signer certificate');
  }
  return { signer, signingTime };
}

function resolveSigner(signedData: ParsedSignedData, { trustStore, chainCache }: CmsVerifierDeps, now: Date): VerifiedSigner {
  const { serialHex, subjectKeyIdentifier } = signedData.signer;
  const included = signedData.certificatesDer.map((der) => ({ der, fingerprint256: fingerprintOf(der) }));
  for (const { fingerprint256 } of included) {
    const cached = chainCache.get(fingerprint256, trustStore.generation, now.getTime());
    if (cached && serialHex && cached.serialHex === serialHex) return cached;
  }

  const parsed = included.map(({ der }) => {
    try {
      return new X509Certificate(der);
    } catch {
      throw new SignatureError('SIGNATURE_INVALID', 'an included certificate cannot be parsed');
    }
  });
  const matches = parsed.filter((c) =>
    subjectKeyIdentifier ? matchesSki(c, subjectKeyIdentifier) : c.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '') === serialHex,
  );
  if (matches.length !== 1) throw new SignatureError('SIGNATURE_INVALID', 'the signer certificate is not included in the signature');
  const x509 = matches[0]!;

  let leaf, offered;
  try {
    leaf = toTrustedCertificate(x509.raw);
    offered = parsed.filter((c) => c !== x509).map((c) => toTrustedCertificate(c.raw));
  } catch (err) {
    throw new SignatureError('SIGNATURE_INVALID', `certificate not supported: ${(err as Error).message}`);
  }
  const chain = validateCertificateChain(leaf, offered, trustStore, now);
  const signer: VerifiedSigner = {
    fingerprint256: x509.fingerprint256,
    subject: x509.subject,
    serialHex: serialHex ?? x509.serialNumber.toLowerCase(),
    x509,
    notBefore: leaf.forge.validity.notBefore,
    notAfter: leaf.forge.validity.notAfter,
  };
  chainCache.set(signer, chain.validUntil, trustStore.generation, now.getTime());
  return signer;
}

function matchesSki(cert: X509Certificate, ski: Buffer): boolean {
  const forgeCert = toTrustedCertificate(cert.raw).forge;
  const ext = forgeCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return ext?.subjectKeyIdentifier === ski.toString('hex');
}
