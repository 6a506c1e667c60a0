import forge from 'node-forge';
import { asn1FromDer, asn1ToDer, serialHexOf, type Asn1 } from './asn1.ts';
import { checkDerTree, derBytes, derChildren, derNodeAt, NotPlainDer } from './der-walk.ts';
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
  const der = Buffer.from(trimmed, 'base64');
  try {
    return parseWalking(der);
  } catch (err) {
    if (!(err instanceof NotPlainDer)) throw err;
  }
  return parseWithForge(der);
}

/**
 * The usual case, plain DER: the outer layers are walked in place and the certificates kept as the bytes they are;
 * only the small parts read field by field (encapContentInfo, the SignerInfo) go through node-forge. Anything not
 * shaped as expected is NotPlainDer, and parseWithForge reads it (and names what is wrong).
 */
export function parseWalking(der: Buffer): ParsedSignedData {
  const root = derNodeAt(der, 0, der.length);
  if (root.end !== der.length || root.tag !== 0x30) throw new NotPlainDer('not one SEQUENCE');
  checkDerTree(der, root);
  const [contentType, explicitContent] = derChildren(der, root);
  if (contentType?.tag !== asn1.Type.OID || asn1.derToOid(der.toString('binary', contentType.contentStart, contentType.end)) !== oid.signedData) throw new NotPlainDer('contentType');
  if (explicitContent?.tag !== 0xa0) throw new NotPlainDer('[0] content');
  const [signedDataNode] = derChildren(der, explicitContent);
  if (signedDataNode?.tag !== 0x30) throw new NotPlainDer('SignedData');
  const signedData = derChildren(der, signedDataNode);
  let i = 2; // [0] version, [1] digestAlgorithms
  const encapContentInfo = signedData[i++];
  if (encapContentInfo?.tag !== 0x30) throw new NotPlainDer('encapContentInfo');
  const certificatesDer: Buffer[] = [];
  if (signedData[i]?.tag === 0xa0) {
    for (const cert of derChildren(der, signedData[i++]!)) certificatesDer.push(derBytes(der, cert));
  }
  if (signedData[i]?.tag === 0xa1) i++; // crls: revocation is checked against the trust store's CRLs, not these
  const signerInfosNode = signedData[i];
  if (signerInfosNode?.tag !== 0x31) throw new NotPlainDer('signerInfos');
  const signerInfos = derChildren(der, signerInfosNode).map((node) => forgeRead(derBytes(der, node)));
  return assemble(forgeRead(derBytes(der, encapContentInfo)), certificatesDer, signerInfos);
}

/** A part the walker found well-formed; should node-forge still refuse it, parseWithForge says why. */
function forgeRead(part: Buffer): Asn1 {
  try {
    return asn1FromDer(part);
  } catch (err) {
    throw new NotPlainDer((err as Error).message);
  }
}

/** node-forge reads everything: BER, and whatever the walker does not take (exported: the tests hold the walker to it). */
export function parseWithForge(der: Buffer): ParsedSignedData {
  let root: Asn1;
  try {
    root = asn1FromDer(der);
  } catch (err) {
    throw malformed((err as Error).message);
  }
  const [contentType, explicitContent] = children(root, 'ContentInfo');
  if (oidOf(contentType, 'contentType') !== oid.signedData) throw malformed('content type is not signedData');
  const signedData = children(children(explicitContent, '[0] content')[0], 'SignedData');

  let i = 2; // [0] version, [1] digestAlgorithms
  const encapContentInfo = signedData[i++];
  const certificatesDer: Buffer[] = [];
  if (isContext(signedData[i], 0)) {
    for (const cert of children(signedData[i++], 'certificates')) certificatesDer.push(derOf(cert));
  }
  if (isContext(signedData[i], 1)) i++; // crls: revocation is checked against the trust store's CRLs, not these
  return assemble(encapContentInfo, certificatesDer, children(signedData[i], 'signerInfos'));
}

function assemble(encapContentInfo: Asn1 | undefined, certificatesDer: Buffer[], signerInfos: Asn1[]): ParsedSignedData {
  const [eContentTypeNode, eContentWrapper] = children(encapContentInfo, 'encapContentInfo');
  const encapsulatedContentType = oidOf(eContentTypeNode, 'eContentType');
  const encapsulatedContent = eContentWrapper ? bytesOfOctets(children(eContentWrapper, 'eContent')[0]) : undefined;
  if (signerInfos.length !== 1) throw new SignatureError('SIGNATURE_INVALID', `exactly one signer expected, found ${signerInfos.length}`);
  return { certificatesDer, encapsulatedContent, encapsulatedContentType, signer: parseSignerInfo(signerInfos[0]!) };
}

/** eContent may be one OCTET STRING or (BER) a constructed one made of segments. */
function bytesOfOctets(node: Asn1 | undefined): Buffer {
  if (node && Array.isArray(node.value)) return Buffer.concat((node.value as Asn1[]).map((n) => bytesOfOctets(n)));
  return bytesOf(node, 'eContent');
}
