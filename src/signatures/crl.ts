import forge from 'node-forge';
import { algorithmOidOf, serialHexOf, asn1Children as children, asn1FromDer, asn1Time as timeOf, asn1ToDer, type Asn1 } from './asn1.ts';
import { rdnsOf, type CertificateInfo } from './certificate-info.ts';
import { oid, weakSignatureOids } from './oids.ts';
import { verifySignatureBytes, type SignatureScheme } from './signature-algorithms.ts';

const { asn1 } = forge;

/** A certificate revocation list (RFC 5280 §5); node-forge has no CRL support, so it is read from its ASN.1. */
export interface ParsedCrl {
  issuerRdns: string[];
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedSerials: Set<string>;
  tbsDer: Buffer;
  signatureAlgorithmOid: string;
  signature: Buffer;
}

const isTime = (node: Asn1 | undefined) => node?.type === asn1.Type.UTCTIME || node?.type === asn1.Type.GENERALIZEDTIME;

export function parseCrl(input: Buffer): ParsedCrl {
  const der = input.toString('latin1').includes('-----BEGIN X509 CRL-----')
    ? Buffer.from(input.toString('latin1').replace(/-----(BEGIN|END) X509 CRL-----|\s+/g, ''), 'base64')
    : input;
  const [tbs, algorithm, signatureBits] = children(asn1FromDer(der));
  const fields = children(tbs);
  let i = fields[0]?.type === asn1.Type.INTEGER ? 1 : 0; // optional version
  i += 1; // signature AlgorithmIdentifier (repeated outside the TBS)
  const issuerRdns = rdnsOf(fields[i++]!);
  const thisUpdate = timeOf(fields[i++]!);
  const nextUpdate = isTime(fields[i]) ? timeOf(fields[i++]!) : undefined;
  const revokedSerials = new Set<string>();
  const revoked = fields[i];
  if (revoked && revoked.tagClass === asn1.Class.UNIVERSAL && revoked.type === asn1.Type.SEQUENCE) {
    for (const entry of children(revoked)) revokedSerials.add(serialHexOf(children(entry)[0]!));
  }
  return {
    issuerRdns,
    thisUpdate,
    nextUpdate,
    revokedSerials,
    tbsDer: asn1ToDer(tbs!),
    signatureAlgorithmOid: algorithmOidOf(algorithm),
    signature: Buffer.from(signatureBits!.value as string, 'binary').subarray(1),
  };
}

const crlSignatureSchemes: Record<string, SignatureScheme> = {
  [oid.sha256WithRSA]: { digest: 'sha256', scheme: 'rsa-pkcs1' },
  [oid.sha384WithRSA]: { digest: 'sha384', scheme: 'rsa-pkcs1' },
  [oid.sha512WithRSA]: { digest: 'sha512', scheme: 'rsa-pkcs1' },
  [oid.ecdsaWithSha256]: { digest: 'sha256', scheme: 'ecdsa' },
  [oid.ecdsaWithSha384]: { digest: 'sha384', scheme: 'ecdsa' },
  [oid.ecdsaWithSha512]: { digest: 'sha512', scheme: 'ecdsa' },
};

/** True when `issuer` issued this CRL: same name and a valid signature (SHA-1 or weaker CRLs are not trusted). */
export function isCrlIssuedBy(crl: ParsedCrl, issuer: CertificateInfo): boolean {
  if (crl.issuerRdns.join('\n') !== issuer.subjectRdns.join('\n')) return false;
  if (weakSignatureOids.has(crl.signatureAlgorithmOid)) return false;
  const scheme = crlSignatureSchemes[crl.signatureAlgorithmOid];
  if (!scheme) return false;
  try {
    return verifySignatureBytes(scheme, crl.tbsDer, issuer.x509.publicKey, crl.signature);
  } catch {
    return false;
  }
}
