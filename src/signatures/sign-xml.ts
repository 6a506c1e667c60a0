import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { CmsSigner } from './sign-cms.ts';

export interface SignXmlOptions {
  /** Reference the root by "" (whole document, default) or by its Id attribute. */
  referenceById?: boolean;
  digest?: 'sha256' | 'sha1';
}

const pemBody = (pem: string) => new X509Certificate(pem).raw.toString('base64');

/**
 * Adds an XML-DSig enveloped signature (RSA-SHA256, exclusive c14n) as the last child of the root, with the
 * signer's certificate and chain in KeyInfo. Used by the sample script and tests; partners sign with their tools.
 */
export function signXmlEnveloped(xml: string, signer: CmsSigner, options: SignXmlOptions = {}): string {
  const sha1 = options.digest === 'sha1';
  const signed = new SignedXml({
    privateKey: signer.privateKeyPem,
    signatureAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    getKeyInfoContent: () =>
      `<X509Data>${[signer.certificatePem, ...(signer.chainPem ?? [])].map((pem) => `<X509Certificate>${pemBody(pem)}</X509Certificate>`).join('')}</X509Data>`,
  });
  signed.addReference({
    xpath: '/*',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
    isEmptyUri: !options.referenceById,
  });
  signed.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return signed.getSignedXml();
}
