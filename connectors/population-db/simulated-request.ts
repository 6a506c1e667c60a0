import { lookupOperation } from './soap-request.ts';

/** A TraCuuThongTinCongDan request as the simulated registry reads it: its elements in order, and their text. */
export interface ReadLookupRequest {
  /** Names of the operation's child elements, in the order sent (NgayThangNamSinh's own children not listed). */
  elements: string[];
  fields: Record<string, string>;
}

const nested = new Set(['NgayThangNam', 'Nam']);

/** Reads the operation's children with any prefix; undefined when the body has no such operation. */
export function readLookupRequest(xml: string): ReadLookupRequest | undefined {
  const operation = new RegExp(`<(?:\\w+:)?${lookupOperation}(?:\\s[^>]*)?>([\\s\\S]*)</(?:\\w+:)?${lookupOperation}>`).exec(xml)?.[1];
  if (operation === undefined) return undefined;
  const elements: string[] = [];
  const fields: Record<string, string> = {};
  for (const [, name, text] of operation.matchAll(/<(?:\w+:)?(\w+)>([^<]*)/g)) {
    if (!nested.has(name!)) elements.push(name!);
    if (text!.trim()) fields[name!] = decode(text!.trim());
  }
  return { elements, fields };
}

const decode = (text: string) => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
