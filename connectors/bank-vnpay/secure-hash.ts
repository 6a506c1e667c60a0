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

/** yyyyMMddHHmmss in GMT+7, the provider's date format. */
export function toVnpDate(isoOrMs: string | number): string {
  const ms = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

export function fromVnpDate(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
