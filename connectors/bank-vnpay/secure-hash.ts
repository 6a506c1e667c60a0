import { createHmac, timingSafeEqual } from 'node:crypto';

/** The provider's form encoding: encodeURIComponent, with spaces as "+". */
const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/** Every vnp_* parameter but the hash fields, sorted by name, joined `k=v&…` in the provider's encoding. */
export function signedDataOf(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType')
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k]!)}`)
    .join('&');
}

export const hmacSha512 = (secret: string, data: string) => createHmac('sha512', secret).update(data, 'utf8').digest('hex');

/** The query string of a signed request: the signed data plus its vnp_SecureHash. */
export function signParams(params: Record<string, string>, secret: string): string {
  const data = signedDataOf(params);
  return `${data}&vnp_SecureHash=${hmacSha512(secret, data)}`;
}

/** Compares hex HMACs case-insensitively and in constant time. */
export function sameHash(expectedHex: string, givenHex: string | undefined): boolean {
  if (!givenHex || !/^[0-9a-fA-F]+$/.test(givenHex)) return false;
  const expected = Buffer.from(expectedHex.toLowerCase(), 'hex');
  const given = Buffer.from(givenHex.toLowerCase(), 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function verifyParams(params: Record<string, string>, secret: string): boolean {
  return sameHash(hmacSha512(secret, signedDataOf(params)), params.vnp_SecureHash);
}

/** The query API signs a fixed list of fields joined by "|". */
export const pipeHash = (secret: string, fields: Array<string | undefined>) => hmacSha512(secret, fields.map((f) => f ?? '').join('|'));
