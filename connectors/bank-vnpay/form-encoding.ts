/**
 * How a vnp_* value is form-encoded before it is hashed. Public VNPAY integrations disagree, and only on
 * the characters ! ' ( ) * ~ (everything else, spaces as "+", is the same in all three):
 *  - `whatwg`: the WHATWG application/x-www-form-urlencoded serializer, i.e. URLSearchParams. npm `vnpay`
 *    (lehuygiang28/vnpay, src/utils/payment.util.ts `buildPaymentUrlSearchParams`, used for signing in
 *    payment.service.ts and for verifying in verification.service.ts) hashes this; Java's URLEncoder, used by
 *    VNPAY's own Java sample, produces the same. Keeps `*`, encodes `!'()~`.
 *  - `encodeURIComponentPlus`: VNPAY's official Node.js sample (`encodeURIComponent`, then %20 → +). Keeps all six.
 *  - `phpUrlencode`: VNPAY's official PHP sample (`urlencode`). Encodes all six.
 */
export type FormEncoding = 'whatwg' | 'encodeURIComponentPlus' | 'phpUrlencode';

const whatwg = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);

export const formEncoders: Record<FormEncoding, (value: string) => string> = {
  whatwg,
  encodeURIComponentPlus: (value) => encodeURIComponent(value).replace(/%20/g, '+'),
  phpUrlencode: (value) => whatwg(value).replace(/\*/g, '%2A'),
};

/** The encoding the gateway signs with: the one VNPAY's Java stack and the npm package share. */
export const signingEncoding: FormEncoding = 'whatwg';

/**
 * Free text the gateway sends (vnp_OrderInfo) is reduced to characters every encoding above treats alike:
 * VNPAY's documentation asks for "Tiếng Việt không dấu, không ký tự đặc biệt" there, and a hash over text the
 * three samples encode differently would be refused by whichever one VNPAY does not use.
 */
export function portableOrderInfo(text: string, maxLength = 255): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9 .\-_]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, maxLength);
}
