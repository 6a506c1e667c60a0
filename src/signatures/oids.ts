/** Object identifiers the CMS code reads or writes. */
export const oid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** Digest OIDs the gateway accepts, with node:crypto's name for each. SHA-1 is refused on purpose. */
export const acceptedDigests: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  [oid.sha256]: 'sha256',
  [oid.sha384]: 'sha384',
  [oid.sha512]: 'sha512',
};

/** RSA PKCS#1 v1.5 signature algorithm OIDs that may appear in SignerInfo.signatureAlgorithm. */
export const rsaPkcs1SignatureOids = new Set<string>([oid.rsaEncryption, oid.sha256WithRSA, oid.sha384WithRSA, oid.sha512WithRSA]);
