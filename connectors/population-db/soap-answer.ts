import { parseStringPromise, processors } from 'xml2js';
import type { RegistryRecord } from '../../src/citizens/compare-citizen.ts';

/** Namespace of the registry's answers (CongdanCollection/CongDan), bound to "ns1" in the public samples. */
export const responseNamespace = 'http://www.mic.gov.vn/dancu/1.0';

type Node = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && '_' in v ? String((v as Node)._) : undefined);

export type LookupAnswer =
  | { kind: 'found'; identifiers: { SoDinhDanh?: string; SoCMND?: string }; record: RegistryRecord }
  | { kind: 'not-found' }
  | { kind: 'fault'; message: string };

/**
 * The registry's SOAP answer → one record, none, or a fault. Two shapes are read: the public samples' bare
 * `Body > ns1:CongdanCollection` and a WSDL-style `Body > TraCuuThongTinCongDanResponse > CongdanCollection`.
 * An empty collection is "not found". Throws on anything that is not such an answer.
 */
export async function fromLookupResponse(xml: string): Promise<LookupAnswer> {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('registry answer carries a DTD');
  const doc = (await parseStringPromise(xml, { explicitArray: false, tagNameProcessors: [processors.stripPrefix], explicitRoot: false })) as Node;
  const body = doc?.Body as Node | undefined;
  if (!body || typeof body !== 'object') throw new Error('not a SOAP envelope');
  if (body.Fault) return { kind: 'fault', message: text((body.Fault as Node).faultstring) ?? 'SOAP fault' };
  const response = (body.TraCuuThongTinCongDanResponse ?? body) as Node;
  if (!('CongdanCollection' in response)) throw new Error('answer has no CongdanCollection');
  const collection = response.CongdanCollection as Node | string | undefined;
  const citizens = typeof collection === 'object' && collection ? collection.CongDan : undefined;
  if (!citizens) return { kind: 'not-found' };
  if (Array.isArray(citizens)) throw new Error('registry answered with more than one citizen for one ID');
  const c = citizens as Node;
  // The samples put the whole name in Ten with Ho and ChuDem empty; others split it. Either way: the parts, in order.
  const name = c.HoVaTen as Node | undefined;
  const fullName = [text(name?.Ho), text(name?.ChuDem), text(name?.Ten)].filter((p) => p && p.trim()).join(' ');
  const birth = c.NgayThangNamSinh as Node | undefined;
  const ymd = text(birth?.NgayThangNam);
  const dateOfBirth = ymd && /^\d{8}$/.test(ymd) ? `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}` : text(birth?.Nam);
  const identifiers = { SoDinhDanh: text(c.SoDinhDanh) || undefined, SoCMND: text(c.SoCMND) || undefined };
  if ((!identifiers.SoDinhDanh && !identifiers.SoCMND) || !fullName || !dateOfBirth) throw new Error('registry record lacks SoDinhDanh/SoCMND, HoVaTen or NgayThangNamSinh');
  return { kind: 'found', identifiers, record: { fullName, dateOfBirth } };
}
