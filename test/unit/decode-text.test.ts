import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkXmlCharacters, decodeUtf8, firstInvalidUtf8Byte } from '../../src/pipeline/decode-text.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const decodes = (bytes: Uint8Array) => {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('firstInvalidUtf8Byte', () => {
  it('agrees with a fatal TextDecoder on 20,000 random byte strings, and names the first byte that breaks it', () => {
    // Mostly text with a few high bytes: random bytes alone would almost never be UTF-8.
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.from(Array.from(randomBytes(1 + (n % 12)), (b) => (b & 1 ? b : b & 0x7f)));
      const offset = firstInvalidUtf8Byte(bytes);
      expect(offset === -1, bytes.toString('hex')).toBe(decodes(bytes));
      if (offset >= 0) {
        expect(decodes(bytes.subarray(0, offset)), bytes.toString('hex')).toBe(true);
        // Nothing shorter decodes past the offset: the sequence starting there is the broken one.
        expect(decodes(bytes.subarray(0, offset + 4)), bytes.toString('hex')).toBe(false);
      }
    }
  });

  it.each([
    ['e0 80 80', 0], // overlong
    ['41 ed b0 80', 1], // a low surrogate
    ['f4 90 80 80', 0], // past U+10FFFF
    ['f5 80 80 80', 0],
    ['c2', 0],
    ['41 42 c3 28', 2],
  ])('%s breaks at byte %i', (hex, offset) => {
    expect(firstInvalidUtf8Byte(Buffer.from(hex.replace(/ /g, ''), 'hex'))).toBe(offset);
  });

  it('passes Vietnamese text, emoji and the last code points of each range', () => {
    expect(firstInvalidUtf8Byte(Buffer.from('Nguyễn Văn An — Đã trả kết quả 🏛️ \u{10FFFF}\uFFFD\uD7FF\uE000'))).toBe(-1);
    expect(decodeUtf8(Buffer.from('Hồ sơ'))).toBe('Hồ sơ');
    expect(() => decodeUtf8(Buffer.from([0x48, 0xf4, 0x20]))).toThrow('invalid UTF-8 at byte 1');
  });
});

describe('checkXmlCharacters', () => {
  it('names the first character XML 1.0 does not allow, raw or referenced, by its byte offset', () => {
    expect(() => checkXmlCharacters('<a>ễ\u0000</a>')).toThrow('character U+0000 is not allowed in XML 1.0 (at byte 6)');
    expect(() => checkXmlCharacters('<a>&#xFFFE;</a>')).toThrow('character reference &#xFFFE; (U+FFFE) is not allowed in XML 1.0 (at byte 3)');
    expect(() => checkXmlCharacters('<a>&#1114112;</a>')).toThrow('beyond U+10FFFF');
    expect(() => checkXmlCharacters('<a>&#xD800;</a>')).toThrow('U+D800');
    expect(() => checkXmlCharacters('<a>\t\r\n&#9;&#xA;&#13;&#x10FFFF;&amp;</a>')).not.toThrow();
  });
});
