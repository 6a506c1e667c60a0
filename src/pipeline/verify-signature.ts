import type { CertificateBinding } from '../config/types.ts';
import { GatewayError } from '../http/errors.ts';
import { SignatureError } from '../signatures/signature-error.ts';
import { verifyCmsSignature, type CmsVerifierDeps, type VerifiedSignature } from '../signatures/verify-cms-signature.ts';
import type { VerifiedSigner } from '../signatures/verified-chain-cache.ts';
import { checkWithinWindow } from './check-freshness.ts';
import { verifyXmlSignature } from '../signatures/verify-xml-signature.ts';
import type { AuthenticatedPartner, ParsedBody } from './request-context.ts';

const normalizeFingerprint = (f: string) => f.replace(/:/g, '').toUpperCase();

/** "CN=A, O=B, C=VN" and node's "C=VN\nO=B\nCN=A" name the same subject: compare as sets of RDNs. */
const rdnSet = (dn: string) => new Set(dn.split(/\n|,\s*/).map((p) => p.trim()).filter(Boolean));
function sameSubject(a: string, b: string): boolean {
  const x = rdnSet(a);
  const y = rdnSet(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

export function isBound(signer: VerifiedSigner, bindings: CertificateBinding[]): boolean {
  return bindings.some(
    (b) =>
      (b.fingerprint256 !== undefined && normalizeFingerprint(b.fingerprint256) === normalizeFingerprint(signer.fingerprint256)) ||
      (b.subject !== undefined && sameSubject(b.subject, signer.subject)),
  );
}

/**
 * Step 6, verify signature: `X-Signature` is a base64 CMS SignedData over the exact raw body; an XML body may
 * instead carry an enveloped XML-DSig signature over the whole document. Either way the signer must
 * chain to the trust store, be valid now, be bound to the calling partner, and have signed recently.
 */
export async function verifyRequestSignature(
  header: string | undefined,
  body: ParsedBody,
  partner: AuthenticatedPartner,
  deps: CmsVerifierDeps & { clockSkewMs: number },
): Promise<VerifiedSignature> {
  const useXmlDsig = !header && body.format === 'xml' && body.envelopedSignature === true;
  if (!header && !useXmlDsig) {
    throw new GatewayError('SIGNATURE_INVALID', 'X-Signature header (base64 CMS SignedData over the body) or an enveloped XML signature is required');
  }
  const now = new Date();
  let verified: VerifiedSignature;
  try {
    verified = useXmlDsig ? await verifyXmlSignature(body.raw.toString('utf8'), deps, now) : await verifyCmsSignature(header!, body.raw, deps, now);
  } catch (err) {
    const path = useXmlDsig ? '/Signature' : 'header:x-signature';
    if (err instanceof SignatureError) throw new GatewayError(err.code, err.message, [{ path, message: err.message }]);
    throw err;
  }
  if (!isBound(verified.signer, partner.certificates)) {
    throw new GatewayError('CERT_NOT_BOUND', `the signer certificate is not registered for partner "${partner.id}"`, [
      { path: 'header:x-signature', message: `signer ${verified.signer.fingerprint256} is not bound to this partner` },
    ]);
  }
  if (verified.signingTime) checkWithinWindow(verified.signingTime.getTime(), deps.clockSkewMs, now.getTime(), 'signature:signingTime');
  return verified;
}
