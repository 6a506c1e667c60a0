import forge from 'node-forge';
import { forgeCertificateError } from './asn1.ts';
import { SignatureError } from './signature-error.ts';
import type { TrustStore, TrustedCertificate } from './trust-store.ts';

const maxChainLength = 8;
const minRsaBits = 2048;
const weakSignatureOids = new Set(['1.2.840.113549.1.1.5', '1.2.840.113549.1.1.4', '1.2.840.10040.4.3']); // SHA-1/MD5 with RSA, DSA-SHA1

/** Walks from the signer up to a trust anchor using the certificates the message carried and the store's intermediates. */
function buildPath(leaf: TrustedCertificate, offered: TrustedCertificate[], store: TrustStore): { path: TrustedCertificate[]; anchor: TrustedCertificate } {
  const candidates = [...offered, ...store.intermediates, ...store.roots];
  const path = [leaf];
  let current = leaf;
  let anchor: TrustedCertificate | undefined = store.roots.find((r) => r.fingerprint256 === leaf.fingerprint256);
  while (!anchor) {
    if (path.length > maxChainLength) throw new SignatureError('CERT_UNTRUSTED', 'certificate chain is too long');
    const issuer = candidates.find(
      (c) => c.fingerprint256 !== current.fingerprint256 && current.x509.checkIssued(c.x509),
    );
    if (!issuer) {
      throw new SignatureError('CERT_UNTRUSTED', `no trusted issuer found for "${current.x509.issuer.replace(/\n/g, ', ')}"`);
    }
    if (store.isRoot(issuer.fingerprint256)) {
      anchor = issuer; // not pushed: forge checks the last link against its CA store
    } else {
      path.push(issuer);
      current = issuer;
    }
  }
  return { path, anchor };
}

function checkAlgorithms(path: TrustedCertificate[]): void {
  for (const cert of path) {
    if (weakSignatureOids.has(cert.forge.siginfo.algorithmOid)) {
      throw new SignatureError('ALGORITHM_WEAK', `certificate "${cert.x509.subject.replace(/\n/g, ', ')}" is signed with SHA-1 or weaker`);
    }
    const bits = cert.x509.publicKey.asymmetricKeyDetails?.modulusLength;
    if (cert.x509.publicKey.asymmetricKeyType === 'rsa' && bits !== undefined && bits < minRsaBits) {
      throw new SignatureError('ALGORITHM_WEAK', `RSA key of ${bits} bits is below the ${minRsaBits}-bit minimum`);
    }
  }
}

/** A signer certificate must be meant for signing: keyUsage, when present, allows digitalSignature or nonRepudiation. */
function checkSignerUsage(leaf: TrustedCertificate): void {
  const usage = leaf.forge.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean } | null;
  if (usage && !usage.digitalSignature && !usage.nonRepudiation) {
    throw new SignatureError('CERT_USAGE_INVALID', 'signer certificate keyUsage allows neither digitalSignature nor nonRepudiation');
  }
  const constraints = leaf.forge.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (constraints?.cA) throw new SignatureError('CERT_USAGE_INVALID', 'a CA certificate cannot sign messages');
}

function checkValidity(path: TrustedCertificate[], at: Date): void {
  for (const cert of path) {
    const { notBefore, notAfter } = cert.forge.validity;
    const who = cert === path[0] ? 'signer certificate' : `issuer "${cert.x509.subject.replace(/\n/g, ', ')}"`;
    if (at < notBefore) throw new SignatureError('CERT_EXPIRED', `${who} is not valid before ${notBefore.toISOString()}`);
    if (at > notAfter) throw new SignatureError('CERT_EXPIRED', `${who} expired at ${notAfter.toISOString()}`);
  }
}

export interface ValidatedChain {
  path: TrustedCertificate[];
  /** The earliest notAfter on the path: a cached verdict must not outlive it. */
  validUntil: Date;
}

/**
 * Validates the signer's certificate path at `at`: dates first (clear CERT_EXPIRED), then algorithms, usage,
 * and finally node-forge's path validation (each link's signature, basicConstraints, pathLen, CA keyUsage,
 * unknown critical extensions) against the trust anchors.
 */
export function validateCertificateChain(
  leaf: TrustedCertificate,
  offered: TrustedCertificate[],
  store: TrustStore,
  at: Date,
): ValidatedChain {
  const { path, anchor } = buildPath(leaf, offered, store);
  checkValidity(path.includes(anchor) ? path : [...path, anchor], at);
  checkAlgorithms(path);
  checkSignerUsage(leaf);
  try {
    forge.pki.verifyCertificateChain(store.caStore, path.map((c) => c.forge), { validityCheckDate: at });
  } catch (err) {
    const e = err as { error?: string; message?: string };
    if (e.error === forgeCertificateError.certificate_expired) throw new SignatureError('CERT_EXPIRED', e.message ?? 'certificate expired');
    throw new SignatureError('CERT_UNTRUSTED', `certificate chain rejected: ${e.message ?? String(err)}`);
  }
  const validUntil = new Date(Math.min(...[...path, anchor].map((c) => c.forge.validity.notAfter.getTime())));
  return { path, validUntil };
}
