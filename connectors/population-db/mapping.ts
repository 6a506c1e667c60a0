import { createHash } from 'node:crypto';
import { parseStringPromise, processors } from 'xml2js';
import type { CitizenQuery, LookupPurpose } from '../../src/citizens/citizen-registry.ts';
import type { RegistryRecord } from '../../src/citizens/compare-citizen.ts';
import type { PopulationOptions } from './options.ts';

/**
 * The registry's SOAP profile, from the public client code (domain.md): operation TraCuuThongTinCongDan in
 * namespace http://dancuquocgia.bca, answer CongdanCollection/CongDan in http://www.mic.gov.vn/dancu/1.0.
 */
export const requestNamespace = 'http://dancuquocgia.bca';
export const responseNamespace = 'http://www.mic.gov.vn/dancu/1.0';

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function toLookupEnvelope(query: CitizenQuery, purpose: LookupPurpose, options: PopulationOptions): string {
  const element = (name: string, value: string) => `<dan:${name}>${escapeXml(value)}</dan:${name}>`;
  return (
    `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:dan="${requestNamespace}">` +
    `<soapenv:Body><dan:TraCuuThongTinCongDan>` +
    element('MaYeuCau', purpose.requestId) +
    element('MaDVC', options.serviceCode) +
    element('MaTichHop', options.integrationCode) +
    element('MaCanBo', purpose.partner) +
    element('MaDonVi', purpose.agencyCode) +
    element('TaiKhoan', options.username) +
    element('SoDinhDanh', query.personalId) +
    element('HoVaTen', query.fullName) +
    `<dan:NgayThangNamSinh>${element('NgayThangNam', query.dateOfBirth.replace(/-/g, ''))}</dan:NgayThangNamSinh>` +
    `</dan:TraCuuThongTinCongDan></soapenv:Body></soapenv:Envelope>`
  );
}

/** Basic base64(user:sha256hex(authUrl + user + timestamp + secret)), with Timestamp sent alongside. */
export function authorizationOf(authUrl: string, options: PopulationOptions, timestamp: string): string {
  const digest = createHash('sha256').update(authUrl + options.username + timestamp + options.secret).digest('hex');
  return `Basic ${Buffer.from(`${options.username}:${digest}`).toString('base64')}`;
}

type Node = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && '_' in v ? String((v as Node)._) : undefined);

export type LookupAnswer = { kind: 'found'; personalId: string; record: RegistryRecord } | { kind: 'not-found' } | { kind: 'fault'; message: string };

/** The registry's SOAP answer → one record, none, or a fault. Throws on anything that is not such an answer. */
export async function fromLookupResponse(xml: string): Promise<LookupAnswer> {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('registry answer carries a DTD');
  const doc = (await parseStringPromise(xml, { explicitArray: false, tagNameProcessors: [processors.stripPrefix], explicitRoot: false })) as Node;
  const body = doc?.Body as Node | undefined;
  if (!body) throw new Error('not a SOAP envelope');
  if (body.Fault) return { kind: 'fault', message: text((body.Fault as Node).faultstring) ?? 'SOAP fault' };
  const response = (body.TraCuuThongTinCongDanResponse ?? body) as Node;
  const collection = response.CongdanCollection as Node | string | undefined;
  const citizens = typeof collection === 'object' && collection ? collection.CongDan : undefined;
  if (!citizens) return { kind: 'not-found' };
  if (Array.isArray(citizens)) throw new Error('registry answered with more than one citizen for one personal ID');
  const c = citizens as Node;
  const name = c.HoVaTen as Node | undefined;
  const fullName = [text(name?.Ho), text(name?.ChuDem), text(name?.Ten)].filter((p) => p && p.trim()).join(' ');
  const birth = c.NgayThangNamSinh as Node | undefined;
  const ymd = text(birth?.NgayThangNam);
  const dateOfBirth = ymd && /^\d{8}$/.test(ymd) ? `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}` : text(birth?.Nam);
  const personalId = text(c.SoDinhDanh);
  if (!personalId || !fullName || !dateOfBirth) throw new Error('registry record lacks SoDinhDanh, HoVaTen or NgayThangNamSinh');
  return { kind: 'found', personalId, record: { fullName, dateOfBirth } };
}

/** A registry record as the registry writes it (the simulator's side of the mapping). */
export function toLookupResponse(citizen: { personalId: string; family: string; middle: string; given: string; dateOfBirth: string } | undefined): string {
  const birth = /^\d{4}$/.test(citizen?.dateOfBirth ?? '') ? `<Nam>${citizen!.dateOfBirth}</Nam>` : `<NgayThangNam>${citizen?.dateOfBirth.replace(/-/g, '')}</NgayThangNam><Nam>${citizen?.dateOfBirth.slice(0, 4)}</Nam>`;
  const record = citizen
    ? `<CongDan><SoDinhDanh>${citizen.personalId}</SoDinhDanh><HoVaTen><Ho>${escapeXml(citizen.family)}</Ho><ChuDem>${escapeXml(citizen.middle)}</ChuDem><Ten>${escapeXml(citizen.given)}</Ten></HoVaTen><NgayThangNamSinh>${birth}</NgayThangNamSinh></CongDan>`
    : '';
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><TraCuuThongTinCongDanResponse xmlns="${responseNamespace}"><CongdanCollection>${record}</CongdanCollection></TraCuuThongTinCongDanResponse></soap:Body></soap:Envelope>`;
}
