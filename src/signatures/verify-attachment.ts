import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureError } from './signature-error.ts';
import { verifyCmsSignature, type CmsVerifierDeps, type VerifiedSignature } from './verify-cms-signature.ts';

export interface SignedAttachment {
  /** The file itself (a PDF result, a scanned form …). */
  content: Buffer;
  /** The SHA-256 the message declared for it, hex. */
  declaredSha256: string;
  /** Base64 CMS SignedData, detached, over the file's bytes. */
  signature: string;
}

/**
 * Checks an attachment a message refers to: its bytes must have the SHA-256 the (signed) message declared, and
 * its own detached CMS signature must verify, by the same rules as message signatures.
 */
export async function verifyAttachment(attachment: SignedAttachment, deps: CmsVerifierDeps, now = new Date()): Promise<VerifiedSignature> {
  const declared = Buffer.from(attachment.declaredSha256, 'hex');
  const actual = createHash('sha256').update(attachment.content).digest();
  if (declared.length !== actual.length || !timingSafeEqual(declared, actual)) {
    throw new SignatureError('SIGNATURE_INVALID', 'the attachment does not match the SHA-256 declared for it');
  }
  return verifyCmsSignature(attachment.signature, attachment.content, deps, now);
}
