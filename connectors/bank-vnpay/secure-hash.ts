import { createHmac, timingSafeEqual } from 'node:crypto';
import { formEncoders, signingEncoding, type FormEncoding } from './form-encoding.ts';

/** Every vnp_* parameter but the hash fields, sorted by name, joined `k=v&…` in a form encoding. */
export function signedDataOf(params: Record<string, string>, encoding: FormEncoding = signingEncoding): string {
  const encode = formEncoders[encoding];
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType' && params[k] !== undefined && params[k] !== '')
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

/**
 * A signed IPN verifies when its hash matches the signed data in any of the public encodings (they differ only
 * on !'()*~). Accepting all three weakens nothing: each is a percent-encoding that decodes to the same values,
 * so every reading still needs the secret, and no two different parameter sets share a signed string.
 */
export function verifyParams(params: Record<string, string>, secret: string): boolean {
  const candidates = new Set((Object.keys(formEncoders) as FormEncoding[]).map((e) => signedDataOf(params, e)));
  let ok = false;
  for (const data of candidates) ok = sameHash(hmacSha512(secret, data), params.vnp_SecureHash) || ok;
  return ok;
}

/** The query and refund APIs sign a fixed list of fields joined by "|" (no encoding). */
export const pipeHash = (secret: string, fields: Array<string | number | undefined>) => hmacSha512(secret, fields.map((f) => (f === undefined ? '' : String(f))).join('|'));
