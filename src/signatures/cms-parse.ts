import forge from 'node-forge';
import { asn1FromDer, asn1ToDer, serialHexOf, type Asn1 } from './asn1.ts';
import { oid } from './oids.ts';
import { SignatureError } from './signature-error.ts';

const { asn1 } = forge;

/** The parts of a CMS SignedData (RFC 5652) with one signer that verification needs. */
export interface ParsedSignedData {
  certificatesDer: Buffer[];
  /** Present for attached signatures. */
  encapsulatedContent?: Buffer;
  encapsulatedContentType: string;
  signer: {
    issuerDer?: Buffer;
    serialHex?: string;
    subjectKeyIdentifier?: Buffer;
    digestAlgorithm: string;
    /** DER of the signed attributes re-tagged as SET OF, i.e. the bytes the signature covers. */
    signedAttributesDer?: Buffer;
    attributes: Map<string, Asn1[]>;
    signatureAlgorithm: string;
    /** AlgorithmIdentifier parameters (RSASSA-PSS-params for RSA-PSS). */
    signatureParameters?: Asn1;
    signature: Buffer;
  };
}

const malformed = (why: string) => new SignatureError('SIGNATURE_INVALID', `X-Signature is not a CMS SignedData: ${why}`);

const toBuffer = (binary: string) => Buffer.from(binary, 'binary');
const derOf = asn1ToDer;

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw malformed(`${what} is missing or not constructed`);
  return node.value as Asn1[];
}

function oidOf(node: Asn1 | undefined, what: string): string {
  if (!node || node.type !== asn1.Type.OID || typeof node.value !== 'string') throw malformed(`${what} is not an OID`);
  return asn1.derToOid(node.value);
}

function bytesOf(node: Asn1 | undefined, what: string): Buffer {
  if (!node || typeof node.value !== 'string') throw malformed(`${what} is not a primitive value`);
  return toBuffer(node.value);
}

const isContext = (node: Asn1 | undefined, tag: number) => node?.tagClass === asn1.Class.CONTEXT_SPECIFIC && node.type === tag;

function parseAttributes(node: Asn1): Map<string, Asn1[]> {
  const attributes = new Map<string, Asn1[]>();
  for (const attribute of children(node, 'signedAttrs')) {
    const [type, values] = children(attribute, 'attribute');
    const id = oidOf(type, 'attribute type');
    if (attributes.has(id)) throw malformed(`signed attribute ${id} appears twice`);
    attributes.set(id, children(values, 'attribute values'));
  }
  return attributes;
}

function parseSignerInfo(node: Asn1): ParsedSignedData['signer'] {
  const parts = children(node, 'SignerInfo');
  let i = 1; // parts[0] is the version
  const sid = parts[i++];
  const signer: Partial<ParsedSignedData['signer']> = { attributes: new Map() };
  if (isContext(sid, 0)) {
    signer.subjectKeyIdentifier = bytesOf(sid, 'subjectKeyIdentifier');
  } else {
    const [issuer, serial] = children(sid, 'IssuerAndSerialNumber');
    if (!issuer || !serial) throw malformed('IssuerAndSerialNumber is incomplete');
    signer.issuerDer = derOf(issuer);
    signer.serialHex = serialHexOf(serial);
  }
  signer.digestAlgorithm = oidOf(children(parts[i++], 'digestAlgorithm')[0], 'digestAlgorithm');
  if (isContext(parts[i], 0)) {
    const attrs = parts[i++]!;
    signer.attributes = parseAttributes(attrs);
    const set = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attrs.value as Asn1[]);
    signer.signedAttributesDer = derOf(set);
  }
  const [algorithm, parameters] = children(parts[i++], 'signatureAlgorithm');
  signer.signatureAlgorithm = oidOf(algorithm, 'signatureAlgorithm');
  signer.signatureParameters = parameters;
  signer.signature = bytesOf(parts[i++], 'signature');
  return signer as ParsedSignedData['signer'];
}

/** Parses base64 DER ContentInfo(SignedData). Throws SIGNATURE_INVALID on anything that is not exactly one signer. */
export function parseSignedData(signatureBase64: string): ParsedSignedData {
  const trimmed = signatureBase64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw malformed('not base64');
  let root: Asn1;
  try {
    root = asn1FromDer(Buffer.from(trimmed, 'base64'));
  } catch (err) {
    throw malformed((err as Error).message);
  }
  const [contentType, explicitContent] = children(root, 'ContentInfo');
  if (oidOf(contentType, 'contentType') !== oid.signedData) throw malformed('content type is not signedData');
  const signedData = children(children(explicitContent, '[0] content')[0], 'SignedData');

  let i = 2; // [0] version, [1] digestAlgorithms
  const [eContentTypeNode, eContentWrapper] = children(signedData[i++], 'encapContentInfo');
  const encapsulatedContentType = oidOf(eContentTypeNode, 'eContentType');
  const encapsulatedContent = eContentWrapper ? bytesOfOctets(children(eContentWrapper, 'eContent')[0]) : undefined;

  const certificatesDer: Buffer[] = [];
  if (isContext(signedData[i], 0)) {
    for (const cert of children(signedData[i++], 'certificates')) certificatesDer.push(derOf(cert));
  }
  if (isContext(signedData[i], 1)) i++; // crls: revocation is checked against the trust store's CRLs, not these
  const signerInfos = children(signedData[i], 'signerInfos');
  if (signerInfos.length !== 1) throw new SignatureError('SIGNATURE_INVALID', `exactly one signer expected, found ${signerInfos.length}`);
  return { certificatesDer, encapsulatedContent, encapsulatedContentType, signer: parseSignerInfo(signerInfos[0]!) };
}

/** eContent may be one OCTET STRING or (BER) a constructed one made of segments. */
function bytesOfOctets(node: Asn1 | undefined): Buffer {
  if (node && Array.isArray(node.value)) return Buffer.concat((node.value as Asn1[]).map((n) => bytesOfOctets(n)));
  return bytesOf(node, 'eContent');
}
