import type { CertificateInfo } from './certificate-info.ts';
import { weakSignatureOids } from './oids.ts';
import { SignatureError } from './signature-error.ts';
import type { TrustStore } from './trust-store.ts';

const maxChainLength = 8;
const minRsaBits = 2048;
const acceptedCurves = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

const describe = (c: CertificateInfo) => `"${c.subjectRdns.join(', ')}"`;

/** Walks from the signer up to a trust anchor using the certificates the message carried and the store's intermediates. */
function buildPath(leaf: CertificateInfo, offered: CertificateInfo[], store: TrustStore): CertificateInfo[] {
  const candidates = [...offered, ...store.intermediates, ...store.roots];
  const path = [leaf];
  let current = leaf;
  while (!store.isRoot(current.fingerprint256)) {
    if (path.length > maxChainLength) throw new SignatureError('CERT_UNTRUSTED', 'certificate chain is too long');
    const issuer = candidates.find(
      // Name match and signature only: whether the issuer may issue (CA, keyCertSign, pathLen) is checked
      // afterwards, so a refusal says why instead of "no issuer".
      (c) => c.fingerprint256 !== current.fingerprint256 && !path.includes(c) && current.x509.issuer === c.x509.subject && current.x509.verify(c.x509.publicKey),
    );
    if (!issuer) throw new SignatureError('CERT_UNTRUSTED', `no trusted issuer found for ${describe(current)}`);
    path.push(issuer);
    current = issuer;
  }
  return path; // leaf first, trust anchor last
}

function checkValidity(cert: CertificateInfo, at: Date, isLeaf: boolean): void {
  const who = isLeaf ? 'signer certificate' : `issuer ${describe(cert)}`;
  if (at < cert.notBefore) throw new SignatureError('CERT_EXPIRED', `${who} is not valid before ${cert.notBefore.toISOString()}`);
  if (at > cert.notAfter) throw new SignatureError('CERT_EXPIRED', `${who} expired at ${cert.notAfter.toISOString()}`);
}

function checkKeyStrength(cert: CertificateInfo): void {
  const key = cert.x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (details.modulusLength ?? 0) < minRsaBits) {
    throw new SignatureError('ALGORITHM_WEAK', `RSA key of ${details.modulusLength} bits in ${describe(cert)} is below the ${minRsaBits}-bit minimum`);
  }
  if (key.asymmetricKeyType === 'ec' && !acceptedCurves.has(details.namedCurve ?? '')) {
    throw new SignatureError('ALGORITHM_WEAK', `EC curve ${details.namedCurve} in ${describe(cert)} is not accepted`);
  }
  if (!['rsa', 'rsa-pss', 'ec'].includes(key.asymmetricKeyType ?? '')) {
    throw new SignatureError('ALGORITHM_WEAK', `${key.asymmetricKeyType} keys are not accepted`);
  }
}

/** A signer certificate must be meant for signing, and must not be a CA. */
function checkSignerUsage(leaf: CertificateInfo, requiredExtendedKeyUsage?: string[]): void {
  if (leaf.keyUsage && !leaf.keyUsage.has('digitalSignature') && !leaf.keyUsage.has('nonRepudiation')) {
    throw new SignatureError('CERT_USAGE_INVALID', 'signer certificate keyUsage allows neither digitalSignature nor nonRepudiation');
  }
  if (leaf.basicConstraints?.ca) throw new SignatureError('CERT_USAGE_INVALID', 'a CA certificate cannot sign messages');
  if (requiredExtendedKeyUsage?.length) {
    const eku = leaf.extKeyUsage ?? [];
    const missing = requiredExtendedKeyUsage.filter((oid) => !eku.includes(oid) && !eku.includes('2.5.29.37.0'));
    if (missing.length) throw new SignatureError('CERT_USAGE_INVALID', `signer certificate lacks extendedKeyUsage ${missing.join(', ')}`);
  }
}

/** CA certificates on the path: basicConstraints cA, keyCertSign when keyUsage is present, pathLen respected. */
function checkIssuerConstraints(path: CertificateInfo[]): void {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    if (!ca.basicConstraints?.ca) throw new SignatureError('CERT_UNTRUSTED', `${describe(ca)} is not a CA (basicConstraints)`);
    if (ca.keyUsage && !ca.keyUsage.has('keyCertSign')) throw new SignatureError('CERT_UNTRUSTED', `${describe(ca)} may not sign certificates (keyUsage)`);
    const intermediatesBelow = i - 1; // CA certificates between this one and the leaf
    if (ca.basicConstraints.pathLen !== undefined && intermediatesBelow > ca.basicConstraints.pathLen) {
      throw new SignatureError('CERT_UNTRUSTED', `${describe(ca)} allows ${ca.basicConstraints.pathLen} intermediate(s) below it, found ${intermediatesBelow}`);
    }
  }
}

const startsWith = (subject: string[], prefix: string[]) => prefix.every((rdn, i) => subject[i] === rdn);

/** directoryName name constraints of every CA apply to every certificate below it. Other forms: fail closed. */
function checkNameConstraints(path: CertificateInfo[]): void {
  for (let i = 1; i < path.length; i++) {
    const constraints = path[i]!.nameConstraints;
    if (!constraints) continue;
    if (constraints.hasUnsupportedForms) throw new SignatureError('CERT_UNTRUSTED', `${describe(path[i]!)} has name constraints the gateway cannot evaluate`);
    for (const below of path.slice(0, i)) {
      const { permittedDirectoryNames: permitted, excludedDirectoryNames: excluded } = constraints;
      if (permitted.length && !permitted.some((p) => startsWith(below.subjectRdns, p))) {
        throw new SignatureError('CERT_UNTRUSTED', `${describe(below)} is outside the names permitted by ${describe(path[i]!)}`);
      }
      if (excluded.some((p) => startsWith(below.subjectRdns, p))) {
        throw new SignatureError('CERT_UNTRUSTED', `${describe(below)} is in a name subtree excluded by ${describe(path[i]!)}`);
      }
    }
  }
}

export interface ChainPolicy {
  /** OIDs the signer certificate's extendedKeyUsage must contain (a partner profile may require e.g. emailProtection). */
  requiredExtendedKeyUsage?: string[];
}

export interface ValidatedChain {
  /** Leaf first, trust anchor last. */
  path: CertificateInfo[];
  /** The earliest notAfter on the path: a cached verdict must not outlive it. */
  validUntil: Date;
}

/**
 * RFC 5280 path validation, simplified to what a signature gateway needs, at each of `times` (now, and the CMS
 * signing time when present): every link's signature (node:crypto, so RSA, RSA-PSS and ECDSA alike), validity,
 * key strength and signature algorithms, CA basicConstraints/keyUsage/pathLen, directoryName name constraints,
 * no unknown critical extension, and the signer's own usage. Revocation is checked by the caller.
 */
export function validateCertificateChain(
  leaf: CertificateInfo,
  offered: CertificateInfo[],
  store: TrustStore,
  times: Date[],
  policy: ChainPolicy = {},
): ValidatedChain {
  const path = buildPath(leaf, offered, store);
  for (const at of times) path.forEach((cert, i) => checkValidity(cert, at, i === 0));
  path.forEach(checkKeyStrength);
  for (const cert of path.slice(0, -1)) {
    if (weakSignatureOids.has(cert.signatureAlgorithmOid)) throw new SignatureError('ALGORITHM_WEAK', `${describe(cert)} is signed with SHA-1 or weaker`);
  }
  for (const cert of path) {
    if (cert.unknownCriticalExtensions.length) {
      throw new SignatureError('CERT_UNTRUSTED', `${describe(cert)} has unsupported critical extension(s) ${cert.unknownCriticalExtensions.join(', ')}`);
    }
  }
  checkSignerUsage(leaf, policy.requiredExtendedKeyUsage);
  checkIssuerConstraints(path);
  checkNameConstraints(path);
  return { path, validUntil: new Date(Math.min(...path.map((c) => c.notAfter.getTime()))) };
}
