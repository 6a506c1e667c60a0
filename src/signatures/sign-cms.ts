import { X509Certificate, constants, createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { asn1FromDer as fromDer, asn1ToDer as toDer, type Asn1 } from './asn1.ts';
import { digestOids, oid } from './oids.ts';

const { asn1 } = forge;
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
const T = asn1.Type;

const seq = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const set = (items: Asn1[]) => asn1.create(UNIVERSAL, T.SET, true, items);
const oidNode = (id: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (b: Buffer) => asn1.create(UNIVERSAL, T.OCTETSTRING, false, b.toString('binary'));
const int = (n: number) => asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const algorithm = (id: string, withNull = true) =>
  seq(withNull ? [oidNode(id), asn1.create(UNIVERSAL, T.NULL, false, '')] : [oidNode(id)]);
const attribute = (type: string, value: Asn1) => seq([oidNode(type), set([value])]);

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
function signatureAlgorithmFor(key: KeyObject, digest: DigestName, pss: boolean): { identifier: Asn1; signOptions: object } {
  if (key.asymmetricKeyType === 'ec') return { identifier: seq([oidNode(ecdsaOids[digest])]), signOptions: {} };
  if (!pss) return { identifier: algorithm(oid.rsaEncryption), signOptions: { padding: constants.RSA_PKCS1_PADDING } };
  const hash = algorithm(digestOids[digest]);
  const params = seq([
    asn1.create(CONTEXT_SPECIFIC, 0, true, [hash]),
    asn1.create(CONTEXT_SPECIFIC, 1, true, [seq([oidNode(oid.mgf1), algorithm(digestOids[digest])])]),
    asn1.create(CONTEXT_SPECIFIC, 2, true, [int(digestLengths[digest])]),
  ]);
  return {
    identifier: seq([oidNode(oid.rsaPss), params]),
    signOptions: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestLengths[digest] },
  };
}

/** IssuerAndSerialNumber taken byte for byte from the certificate, as receivers compare it. */
function issuerAndSerial(certDer: Buffer): Asn1 {
  const tbs = (fromDer(certDer).value as Asn1[])[0]!.value as Asn1[];
  const offset = tbs[0]!.tagClass === CONTEXT_SPECIFIC ? 1 : 0;
  return seq([tbs[offset + 2]!, tbs[offset]!]);
}

/**
 * Creates a CMS SignedData (RFC 5652) over `content` with one signer (RSA PKCS#1 v1.5, RSA-PSS or ECDSA), its certificate (and
 * chain) included; returns base64 DER, the value of the `X-Signature` header.
 */
export function signCms(content: Buffer, signer: CmsSigner, options: SignCmsOptions = {}): string {
  const digest = options.digest ?? 'sha256';
  const certDer = new X509Certificate(signer.certificatePem).raw;
  const chainDer = (signer.chainPem ?? []).map((pem) => new X509Certificate(pem).raw);
  const key: KeyObject = createPrivateKey(signer.privateKeyPem);

  let signatureInput = content;
  let signedAttrs: Asn1 | undefined;
  if (!options.withoutSignedAttributes) {
    const attrs = [attribute(oid.contentType, oidNode(oid.data))];
    const signingTime = options.signingTime === undefined ? new Date() : options.signingTime;
    if (signingTime) attrs.push(attribute(oid.signingTime, asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(signingTime))));
    const messageDigest = createHash(digest).update(options.digestOverride ?? content).digest();
    attrs.push(attribute(oid.messageDigest, octets(messageDigest)));
    signatureInput = toDer(set(attrs));
    signedAttrs = asn1.create(CONTEXT_SPECIFIC, 0, true, attrs);
  }
  const scheme = signatureAlgorithmFor(key, digest, options.pss ?? false);
  const signature = cryptoSign(digest, signatureInput, { key, ...scheme.signOptions });

  const signerInfo = seq([
    int(1),
    issuerAndSerial(certDer),
    algorithm(digestOids[digest]),
    ...(signedAttrs ? [signedAttrs] : []),
    scheme.identifier,
    octets(signature),
  ]);
  const encapContentInfo = seq([
    oidNode(oid.data),
    ...(options.attached ? [asn1.create(CONTEXT_SPECIFIC, 0, true, [octets(content)])] : []),
  ]);
  const signedData = seq([
    int(1),
    set([algorithm(digestOids[digest])]),
    encapContentInfo,
    asn1.create(CONTEXT_SPECIFIC, 0, true, [certDer, ...chainDer].map((der) => fromDer(der))),
    set([signerInfo]),
  ]);
  const contentInfo = seq([oidNode(oid.signedData), asn1.create(CONTEXT_SPECIFIC, 0, true, [signedData])]);
  return toDer(contentInfo).toString('base64');
}
