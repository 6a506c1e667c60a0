import { createHash } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { resolveSigner, type SignerTrustDeps } from './resolve-signer.ts';
import { SignatureError } from './signature-error.ts';
import type { VerifiedSigner } from './verified-chain-cache.ts';

const dsig = 'http://www.w3.org/2000/09/xmldsig#';

/** Only what an enveloped signature over the whole document needs; anything else is refused. */
const allowedTransforms = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
]);
const allowedCanonicalizations = new Set(['http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315']);
const weakAlgorithms = new Set(['http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#sha1']);
const allowedSignatureMethods = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const allowedDigests = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const idAttributes = ['Id', 'ID', 'id'];

const invalid = (message: string) => new SignatureError('SIGNATURE_INVALID', message);

function elements(parent: Element, localName: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(dsig, localName) as unknown as ArrayLike<Element>);
}

function algorithmOf(parent: Element, localName: string): string {
  const found = elements(parent, localName);
  if (found.length !== 1) throw invalid(`exactly one ds:${localName} expected`);
  return found[0]!.getAttribute('Algorithm') ?? '';
}

/** The signature must be one enveloped Signature, with one Reference that covers the document root. */
function checkStructure(root: Element, signature: Element): void {
  const signedInfo = elements(signature, 'SignedInfo');
  if (signedInfo.length !== 1) throw invalid('exactly one ds:SignedInfo expected');
  const references = elements(signature, 'Reference');
  const signedReferences = elements(signedInfo[0]!, 'Reference');
  if (signedReferences.length !== 1 || references.length !== 1) throw invalid('exactly one ds:Reference expected, covering the document root');
  const uri = signedReferences[0]!.getAttribute('URI') ?? '';
  if (uri !== '') {
    const id = /^#([A-Za-z_][\w.-]*)$/.exec(uri)?.[1];
    if (!id) throw invalid(`reference URI "${uri}" is not a same-document reference`);
    if (!idAttributes.some((a) => root.getAttribute(a) === id)) throw invalid('the signed reference is not the document root');
    const owners = Array.from(root.ownerDocument!.getElementsByTagName('*') as unknown as ArrayLike<Element>).filter((e) =>
      idAttributes.some((a) => e.getAttribute(a) === id),
    );
    if (owners.length !== 1) throw invalid(`id "${id}" appears ${owners.length} times (signature wrapping)`);
  }
  for (const transform of elements(signedReferences[0]!, 'Transform')) {
    const algorithm = transform.getAttribute('Algorithm') ?? '';
    if (!allowedTransforms.has(algorithm)) throw invalid(`transform ${algorithm} is not allowed`);
  }
  const canonicalization = algorithmOf(signedInfo[0]!, 'CanonicalizationMethod');
  if (!allowedCanonicalizations.has(canonicalization)) throw invalid(`canonicalization ${canonicalization} is not allowed`);
  for (const algorithm of [algorithmOf(signedInfo[0]!, 'SignatureMethod'), algorithmOf(signedInfo[0]!, 'DigestMethod')]) {
    if (weakAlgorithms.has(algorithm)) throw new SignatureError('ALGORITHM_WEAK', `${algorithm} is refused`);
    if (!allowedSignatureMethods.has(algorithm) && !allowedDigests.has(algorithm)) throw invalid(`algorithm ${algorithm} is not allowed`);
  }
}

export interface VerifiedXmlSignature {
  signer: VerifiedSigner;
  /** The canonical XML the signature covers (the document without its Signature). */
  signedXml: string;
  /** SHA-256 (hex) of signedXml: what was signed, however its SignedInfo was written (see VerifiedSignature). */
  signedContentSha256: string;
}

/**
 * Verifies an XML-DSig enveloped signature (xml-crypto ≥ 6.0.1) over a whole XML document. The structure is
 * checked first so no wrapping variant reaches xml-crypto: one Signature, a direct child of the root, one
 * Reference to the root, known transforms. The signer comes from KeyInfo's X509Certificate elements and goes
 * through the same chain, cache and revocation checks as CMS. A DTD never gets here (refused when parsing).
 */
export async function verifyXmlSignature(xml: string, deps: SignerTrustDeps, now = new Date()): Promise<VerifiedXmlSignature> {
  let root: Element | null;
  try {
    root = new DOMParser({ onError: (level, message) => { if (level !== 'warning') throw new Error(message); } }).parseFromString(xml, 'text/xml').documentElement;
  } catch (err) {
    throw invalid(`XML cannot be read for signature checking: ${(err as Error).message}`);
  }
  if (!root) throw invalid('XML has no root element');
  const signatures = elements(root, 'Signature');
  if (root.namespaceURI === dsig && root.localName === 'Signature') throw invalid('the document root cannot be the signature');
  if (signatures.length !== 1) throw invalid(`exactly one enveloped ds:Signature expected, found ${signatures.length}`);
  const signatureElement = signatures[0]!;
  if (signatureElement.parentNode !== root) throw invalid('ds:Signature must be a direct child of the document root (enveloped)');
  checkStructure(root, signatureElement);

  const certificatesDer = elements(signatureElement, 'X509Certificate').map((e) => Buffer.from((e.textContent ?? '').replace(/\s+/g, ''), 'base64'));
  if (certificatesDer.length === 0) throw invalid('ds:KeyInfo carries no X509Certificate');
  const signer = await resolveSigner(certificatesDer, (c) => !c.basicConstraints?.ca, deps, now);

  const verifier = new SignedXml({ publicCert: signer.certificate.x509.toString(), getCertFromKeyInfo: () => null });
  let valid = false;
  try {
    verifier.loadSignature(signatureElement as never);
    valid = verifier.checkSignature(xml);
  } catch (err) {
    throw invalid(`XML signature does not verify: ${(err as Error).message}`);
  }
  const signed = verifier.getSignedReferences();
  if (!valid || signed.length !== 1) throw invalid('XML signature does not verify');
  return { signer, signedXml: signed[0]!, signedContentSha256: createHash('sha256').update(signed[0]!).digest('hex') };
}
