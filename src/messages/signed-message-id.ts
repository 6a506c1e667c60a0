import { hash } from 'node:crypto';
import type { VerifiedSignature } from '../signatures/verify-cms-signature.ts';

/**
 * One signature, one message: a partner's message id is derived from what its signer signed (see
 * VerifiedSignature.signedContentSha256), so the same signed request sent again, under any Idempotency-Key, names
 * the same BullMQ job id. BullMQ's add checks "job id exists" and creates the job in one Lua script: the memory of a
 * signature and its job are one thing, and no crash can leave one without the other.
 *
 * Shaped as a UUID (RFC 9562 version 8, "custom") so it reads like every other message id.
 */
export function signedMessageId(partner: string, signature: VerifiedSignature): string {
  const digest = hash('sha256', `signed-message\u0000${partner}\u0000${signature.signer.fingerprint256}\u0000${signature.signedContentSha256}`, 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x80;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
