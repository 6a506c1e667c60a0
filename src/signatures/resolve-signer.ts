import { hash } from 'node:crypto';
import { validateCertificateChain, type ChainPolicy } from './certificate-chain.ts';
import { parseCertificate, type CertificateInfo } from './certificate-info.ts';
import { SignatureError } from './signature-error.ts';
import type { TrustStore } from './trust-store.ts';
import type { VerifiedChainCache, VerifiedSigner } from './verified-chain-cache.ts';

/** Checks a validated path for revoked certificates; throws SignatureError (CERT_REVOKED, CERT_REVOCATION_UNKNOWN). */
export interface RevocationChecker {
  check(path: CertificateInfo[], at: Date): Promise<void>;
}

/** What every signature format needs to decide who signed: anchors, the verdict cache, revocation, policy. */
export interface SignerTrustDeps {
  trustStore: TrustStore;
  chainCache: VerifiedChainCache;
  revocation?: RevocationChecker;
  policy?: ChainPolicy;
}

/** Same text as X509Certificate#fingerprint256, without parsing the certificate. */
export function fingerprintOf(der: Buffer): string {
  return hash('sha256', der, 'hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * From the certificates a signature carries, the one `isSigner` picks, validated to a trust anchor at now (and at
 * the signing time when known), served from the cache when it can be, and checked for revocation every time.
 */
export async function resolveSigner(
  certificatesDer: Buffer[],
  isSigner: (cert: CertificateInfo) => boolean,
  { trustStore, chainCache, revocation, policy }: SignerTrustDeps,
  now: Date,
  signingTime?: Date,
): Promise<VerifiedSigner> {
  const signer = resolveValidatedSigner(certificatesDer, isSigner, trustStore, chainCache, now, signingTime, policy);
  await revocation?.check(signer.path, now);
  return signer;
}

function resolveValidatedSigner(
  certificatesDer: Buffer[],
  isSigner: (cert: CertificateInfo) => boolean,
  trustStore: TrustStore,
  chainCache: VerifiedChainCache,
  now: Date,
  signingTime: Date | undefined,
  policy: ChainPolicy | undefined,
): VerifiedSigner {
  // A cached signer was validated at about `now`; a signing time outside its validity still needs the full check.
  const signingTimeOk = (c: CertificateInfo) => !signingTime || (signingTime >= c.notBefore && signingTime <= c.notAfter);
  for (const der of certificatesDer) {
    const cached = chainCache.get(fingerprintOf(der), trustStore.generation, now.getTime());
    if (cached && isSigner(cached.certificate) && signingTimeOk(cached.certificate)) return cached;
  }
  let parsed: CertificateInfo[];
  try {
    parsed = certificatesDer.map(parseCertificate);
  } catch (err) {
    throw new SignatureError('SIGNATURE_INVALID', `an included certificate cannot be parsed: ${(err as Error).message}`);
  }
  const matches = parsed.filter(isSigner);
  if (matches.length !== 1) throw new SignatureError('SIGNATURE_INVALID', 'the signer certificate is not included in the signature');
  const leaf = matches[0]!;
  const times = signingTime ? [now, signingTime] : [now];
  const chain = validateCertificateChain(leaf, parsed.filter((c) => c !== leaf), trustStore, times, policy);
  const signer: VerifiedSigner = { fingerprint256: leaf.fingerprint256, subject: leaf.x509.subject, serialHex: leaf.serialHex, certificate: leaf, path: chain.path };
  chainCache.set(signer, chain.validUntil, trustStore.generation, now.getTime());
  return signer;
}
