import type { ErrorCode } from '../http/errors.ts';

export type SignatureErrorCode = Extract<
  ErrorCode,
  | 'SIGNATURE_INVALID'
  | 'CERT_UNTRUSTED'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_BOUND'
  | 'CERT_REVOKED'
  | 'CERT_REVOCATION_UNKNOWN'
  | 'CERT_USAGE_INVALID'
  | 'ALGORITHM_WEAK'
>;

/** Why a signature or its certificate was refused; the code is what the partner sees. */
export class SignatureError extends Error {
  constructor(
    readonly code: SignatureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}
