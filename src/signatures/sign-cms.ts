import { X509Certificate, constants, createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { asn1FromDer as fromDer, asn1ToDer as toDer, type Asn1 } from './asn1.ts';
import { digestOids, oid } from './oids.ts';

const { asn1 } = forge;
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
const T = asn1.Type;

const seq = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const oidNode = (id: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
const int = (n: number) => asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const algorithm = (id: string, withNull = true) =>
  seq(withNull ? [oidNode(id), asn1.create(UNIVERSAL, T.NULL, false, '')] : [oidNode(id)]);

/** A DER TLV: tag byte, definite length, contents. Enough for everything a SignedData is made of. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const length = contents.reduce((sum, c) => sum + c.length, 0);
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, ...contents], header.length + length);
}
const SEQUENCE = 0x30;
const SET = 0x31;
const OCTET_STRING = 0x04;
const UTC_TIME = 0x17;
/** [0] constructed, context-specific. */
const CONTEXT_0 = 0xa0;
const derOf = (node: Asn1) => toDer(node);
const derOid = (id: string) => derOf(oidNode(id));

export type DigestName = 'sha256' | 'sha384' | 'sha512' | 'sha1';

const ecdsaOids: Record<DigestName, string> = { sha1: oid.ecdsaWithSha1, sha256: oid.ecdsaWithSha256, sha384: oid.ecdsaWithSha384, sha512: oid.ecdsaWithSha512 };
const digestLengths: Record<DigestName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

export interface CmsSigner {
  certificatePem: string;
  privateKeyPem: string;
  /** Intermediates to include so the receiver can build the chain. */
  chainPem?: string[];
}

export interface SignCmsOptions {
  digest?: DigestName;
  /** Defaults to now; pass null to leave the attribute out. */
  signingTime?: Date | null;
  /** Sign without signed attributes (the signature then covers the content itself). */
  withoutSignedAttributes?: boolean;
  /** Attach the content instead of producing a detached signature. */
  attached?: boolean;
  /** For tests of refusals: the messageDigest attribute is computed over this instead of the content. */
  digestOverride?: Buffer;
  /** RSA keys only: sign with RSASSA-PSS (salt = digest length) instead of PKCS#1 v1.5. */
  pss?: boolean;
}

/** SignerInfo.signatureAlgorithm for the key type and options, and how node:crypto must sign for it. */
function signatureAlgorithmFor(key: KeyObject, digest: DigestName, pss: boolean): { identifier: Buffer; signOptions: object } {
  if (key.asymmetricKeyType === 'ec') return { identifier: derOf(seq([oidNode(ecdsaOids[digest])])), signOptions: {} };
  if (!pss) return { identifier: derOf(algorithm(oid.rsaEncryption)), signOptions: { padding: constants.RSA_PKCS1_PADDING } };
  const hash = algorithm(digestOids[digest]);
  const params = seq([
    asn1.create(CONTEXT_SPECIFIC, 0, true, [hash]),
    asn1.create(CONTEXT_SPECIFIC, 1, true, [seq([oidNode(oid.mgf1), algorithm(digestOids[digest])])]),
    asn1.create(CONTEXT_SPECIFIC, 2, true, [int(digestLengths[digest])]),
  ]);
  return {
    identifier: derOf(seq([oidNode(oid.rsaPss), params])),
    signOptions: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestLengths[digest] },
  };
}

/** IssuerAndSerialNumber taken byte for byte from the certificate, as receivers compare it. */
function issuerAndSerial(certDer: Buffer): Buffer {
  const tbs = (fromDer(certDer).value as Asn1[])[0]!.value as Asn1[];
  const offset = tbs[0]!.tagClass === CONTEXT_SPECIFIC ? 1 : 0;
  return derOf(seq([tbs[offset + 2]!, tbs[offset]!]));
}

/** A signing identity read once: the key object, the certificates' DER and the signer's issuer and serial. */
export interface PreparedCmsSigner {
  sign(content: Buffer, options?: SignCmsOptions): string;
}

/**
 * Parses the certificate, chain and private key once (createPrivateKey alone costs more than an RSA-2048
 * signature), so signing a message is a digest, one signature and a few byte copies.
 */
export function prepareCmsSigner(signer: CmsSigner): PreparedCmsSigner {
  const certDer = new X509Certificate(signer.certificatePem).raw;
  const chainDer = (signer.chainPem ?? []).map((pem) => new X509Certificate(pem).raw);
  const key: KeyObject = createPrivateKey(signer.privateKeyPem);
  const signerId = issuerAndSerial(certDer);
  const certificates = der(CONTEXT_0, certDer, ...chainDer);
  const version = derOf(int(1));
  const contentTypeAttribute = der(SEQUENCE, derOid(oid.contentType), der(SET, derOid(oid.data)));
  const dataOid = derOid(oid.data);
  const signedDataOid = derOid(oid.signedData);
  const perDigest = new Map<string, { algorithm: Buffer; scheme: { identifier: Buffer; signOptions: object } }>();
  const forDigest = (digest: DigestName, pss: boolean) => {
    const id = `${digest}|${pss}`;
    let found = perDigest.get(id);
    if (!found) perDigest.set(id, (found = { algorithm: derOf(algorithm(digestOids[digest])), scheme: signatureAlgorithmFor(key, digest, pss) }));
    return found;
  };

  return {
    sign(content, options = {}) {
      const digest = options.digest ?? 'sha256';
      const { algorithm: digestAlgorithm, scheme } = forDigest(digest, options.pss ?? false);
      let signatureInput = content;
      let signedAttrs: Buffer[] = [];
      if (!options.withoutSignedAttributes) {
        const attrs = [contentTypeAttribute];
        const signingTime = options.signingTime === undefined ? new Date() : options.signingTime;
        if (signingTime) {
          const utc = Buffer.from(asn1.dateToUtcTime(signingTime), 'latin1');
          attrs.push(der(SEQUENCE, derOid(oid.signingTime), der(SET, der(UTC_TIME, utc))));
        }
        const messageDigest = createHash(digest).update(options.digestOverride ?? content).digest();
        attrs.push(der(SEQUENCE, derOid(oid.messageDigest), der(SET, der(OCTET_STRING, messageDigest))));
        // Signed as a SET OF (RFC 5652 §5.4), carried as [0] IMPLICIT: same contents, other tag.
        signatureInput = der(SET, ...attrs);
        signedAttrs = [der(CONTEXT_0, ...attrs)];
      }
      const signature = cryptoSign(digest, signatureInput, { key, ...scheme.signOptions });
      const signerInfo = der(SEQUENCE, version, signerId, digestAlgorithm, ...signedAttrs, scheme.identifier, der(OCTET_STRING, signature));
      const encapContentInfo = der(SEQUENCE, dataOid, ...(options.attached ? [der(CONTEXT_0, der(OCTET_STRING, content))] : []));
      const signedData = der(SEQUENCE, version, der(SET, digestAlgorithm), encapContentInfo, certificates, der(SET, signerInfo));
      return der(SEQUENCE, signedDataOid, der(CONTEXT_0, signedData)).toString('base64');
    },
  };
}

/**
 * Creates a CMS SignedData (RFC 5652) over `content` with one signer (RSA PKCS#1 v1.5, RSA-PSS or ECDSA), its certificate (and
 * chain) included; returns base64 DER, the value of the `X-Signature` header. Callers that sign many messages with one
 * identity keep a prepareCmsSigner instead.
 */
export function signCms(content: Buffer, signer: CmsSigner, options: SignCmsOptions = {}): string {
  return prepareCmsSigner(signer).sign(content, options);
}
