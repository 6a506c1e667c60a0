import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { algorithmOidOf, asn1Bytes, asn1Children as children, type Asn1 } from './asn1.ts';
import type { ParsedSignedData } from './cms-parse.ts';
import { acceptedDigests, oid, sha1SignatureOids, signatureSchemes } from './oids.ts';
import { SignatureError } from './signature-error.ts';

export type DigestName = 'sha256' | 'sha384' | 'sha512';

export interface SignatureScheme {
  digest: DigestName;
  scheme: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';
  pssSaltLength?: number;
}


function acceptedDigest(digestOid: string): DigestName {
  if (digestOid === oid.sha1) throw new SignatureError('ALGORITHM_WEAK', 'SHA-1 signatures are refused');
  const digest = acceptedDigests[digestOid];
  if (!digest) throw new SignatureError('SIGNATURE_INVALID', `unsupported digest algorithm ${digestOid}`);
  return digest;
}

/** RSASSA-PSS-params: hash and MGF1 hash must be the same accepted digest; the salt length is read (default 20). */
function pssParameters(parameters: Asn1 | undefined, digest: DigestName): number {
  let hash: string = oid.sha1;
  let mgfHash: string = oid.sha1;
  let saltLength = 20;
  for (const field of children(parameters)) {
    const inner = children(field)[0];
    if (field.type === 0) hash = algorithmOidOf(inner);
    else if (field.type === 1) mgfHash = algorithmOidOf(children(inner)[1]);
    else if (field.type === 2) saltLength = asn1Bytes(inner).readUIntBE(0, asn1Bytes(inner).length);
  }
  if (acceptedDigest(hash) !== digest || mgfHash !== hash) {
    throw new SignatureError('SIGNATURE_INVALID', 'RSA-PSS parameters do not match the digest algorithm');
  }
  return saltLength;
}

/** Which digest and scheme a SignerInfo claims; SHA-1 anywhere is ALGORITHM_WEAK. */
export function signatureSchemeOf(signer: ParsedSignedData['signer']): SignatureScheme {
  if (sha1SignatureOids.has(signer.signatureAlgorithm)) throw new SignatureError('ALGORITHM_WEAK', 'SHA-1 signatures are refused');
  const digest = acceptedDigest(signer.digestAlgorithm);
  const scheme = signatureSchemes[signer.signatureAlgorithm];
  if (!scheme) throw new SignatureError('SIGNATURE_INVALID', `unsupported signature algorithm ${signer.signatureAlgorithm}`);
  return { digest, scheme, pssSaltLength: scheme === 'rsa-pss' ? pssParameters(signer.signatureParameters, digest) : undefined };
}

/** The one place a signature is checked against a public key: node:crypto, ~30x faster than node-forge for RSA. */
export function verifySignatureBytes(scheme: SignatureScheme, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  const keyType = key.asymmetricKeyType;
  if (scheme.scheme === 'ecdsa') {
    if (keyType !== 'ec') throw new SignatureError('SIGNATURE_INVALID', 'an ECDSA signature needs an EC certificate');
    return cryptoVerify(scheme.digest, data, key, signature);
  }
  if (keyType !== 'rsa' && keyType !== 'rsa-pss') throw new SignatureError('SIGNATURE_INVALID', 'an RSA signature needs an RSA certificate');
  if (scheme.scheme === 'rsa-pss') {
    return cryptoVerify(scheme.digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pssSaltLength }, signature);
  }
  if (keyType === 'rsa-pss') throw new SignatureError('SIGNATURE_INVALID', 'an RSA-PSS key cannot make PKCS#1 v1.5 signatures');
  return cryptoVerify(scheme.digest, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}
