import { isUtf8 } from 'node:buffer';

/**
 * Bodies are text only if their bytes are well-formed UTF-8: decoding with replacement (Buffer#toString) would turn a
 * stray byte into U+FFFD, and the gateway would pass on something other than what the partner signed.
 */
export class MalformedText extends Error {
  constructor(
    message: string,
    /** Where the problem starts, counted in bytes of the body. */
    readonly byteOffset: number,
  ) {
    super(message);
    this.name = 'MalformedText';
  }
}

/** Byte offset of the first ill-formed UTF-8 sequence (Unicode table 3-7), or -1 when the bytes are well-formed. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // The allowed range of the second byte depends on the lead (no overlongs, no surrogates, nothing past U+10FFFF).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

/** The body as text; throws MalformedText naming the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Buffer): string {
  const offset = firstInvalidUtf8Byte(bytes);
  if (offset >= 0) throw new MalformedText(`invalid UTF-8 at byte ${offset}`, offset);
  return bytes.toString('utf8');
}

/** XML 1.0 `Char`: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. */
const isXmlChar = (c: number) => c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
/** Every code point a raw character may not be (surrogates cannot come out of well-formed UTF-8). */
const forbiddenRawChar = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const characterReference = /&#(?:x([0-9a-fA-F]+)|([0-9]+));/g;
const codePointName = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Refuses what XML 1.0 says is not a character, raw (a NUL, another C0 control) or as a character reference
 * (`&#0;`): a conforming parser must stop there, and the portal's would. The XML parser here lets both through.
 */
export function checkXmlCharacters(text: string): void {
  const raw = forbiddenRawChar.exec(text);
  const at = (index: number) => Buffer.byteLength(text.slice(0, index), 'utf8');
  if (raw) {
    const offset = at(raw.index);
    throw new MalformedText(`character ${codePointName(raw[0].charCodeAt(0))} is not allowed in XML 1.0 (at byte ${offset})`, offset);
  }
  for (const ref of text.matchAll(characterReference)) {
    const codePoint = ref[1] !== undefined ? parseInt(ref[1], 16) : Number(ref[2]);
    if (!isXmlChar(codePoint)) {
      const offset = at(ref.index);
      const name = codePoint > 0x10ffff ? 'beyond U+10FFFF' : codePointName(codePoint);
      throw new MalformedText(`character reference ${ref[0]} (${name}) is not allowed in XML 1.0 (at byte ${offset})`, offset);
    }
  }
}
