import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The platform's checksums, as the public client computes them (VietOpenCPS PayGateUtil.generateChecksum,
 * hmacSHA256Hex): HMAC-SHA256 over fields joined by "|", keyed with the key's UTF-8 bytes, lower-case hex.
 */
export const hmacSha256Hex = (key: string, value: string) => createHmac('sha256', key).update(value, 'utf8').digest('hex');

/** The fields a create request (hashKey1) and a callback (hashKey2) are checked over, in the source's order. */
export interface TransactionChecksumFields {
  additionFee: string;
  clientId: string;
  command: string;
  transAmount: string;
  transactionId: string;
  version: string;
}

/** `addition_fee|client_id|command|trans_amount|transaction_id|version`. */
export const transactionChecksumInput = (f: TransactionChecksumFields) =>
  [f.additionFee, f.clientId, f.command, f.transAmount, f.transactionId, f.version].join('|');

export const transactionChecksum = (key: string, fields: TransactionChecksumFields) => hmacSha256Hex(key, transactionChecksumInput(fields));

/** The detail (query) request's checksum: `client_id|command|transaction_id` with hashKey1. */
export const detailChecksum = (key: string, clientId: string, command: string, transactionId: string) => hmacSha256Hex(key, [clientId, command, transactionId].join('|'));

/** Compares hex checksums in constant time; the source compares exact strings, we also accept upper case. */
export function sameChecksum(expectedHex: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-fA-F]+$/.test(given) || given.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(expectedHex.toLowerCase(), 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}
