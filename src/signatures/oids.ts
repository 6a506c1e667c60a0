/** Object identifiers the CMS code reads or writes. */
export const oid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  md5WithRSA: '1.2.840.113549.1.1.4',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  dsaWithSha1: '1.2.840.10040.4.3',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
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

export const digestOids: Record<'sha256' | 'sha384' | 'sha512' | 'sha1', string> = { sha256: oid.sha256, sha384: oid.sha384, sha512: oid.sha512, sha1: oid.sha1 };

/** SignerInfo.signatureAlgorithm values and the signature scheme each means. */
export const signatureSchemes: Record<string, 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa'> = {
  [oid.rsaEncryption]: 'rsa-pkcs1',
  [oid.sha256WithRSA]: 'rsa-pkcs1',
  [oid.sha384WithRSA]: 'rsa-pkcs1',
  [oid.sha512WithRSA]: 'rsa-pkcs1',
  [oid.rsaPss]: 'rsa-pss',
  [oid.ecPublicKey]: 'ecdsa',
  [oid.ecdsaWithSha256]: 'ecdsa',
  [oid.ecdsaWithSha384]: 'ecdsa',
  [oid.ecdsaWithSha512]: 'ecdsa',
};

/** Signature algorithm OIDs that imply SHA-1, refused wherever they appear. */
export const sha1SignatureOids = new Set<string>([oid.sha1WithRSA, oid.ecdsaWithSha1]);

/** Everything SHA-1 or weaker: refused in certificates and CRLs. */
export const weakSignatureOids = new Set<string>([...sha1SignatureOids, oid.md5WithRSA, oid.dsaWithSha1]);
