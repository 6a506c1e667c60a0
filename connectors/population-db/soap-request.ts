import { isOldIdCardNumber } from '../../src/citizens/personal-id.ts';

/** Namespace of the registry's requests (both public clients). */
export const requestNamespace = 'http://dancuquocgia.bca';
export const soapNamespace = 'http://schemas.xmlsoap.org/soap/envelope/';
export const lookupOperation = 'TraCuuThongTinCongDan';

/** Everything one TraCuuThongTinCongDan request says, before a mode puts it in its order. */
export interface LookupRequest {
  /** MaYeuCau */
  requestId: string;
  /** MaDVC */
  serviceCode: string;
  /** MaTichHop */
  integrationCode: string;
  /** MaCanBo */
  officerId: string;
  /** SoDienThoai (the official's), omitted when unknown */
  officerPhone?: string;
  /** MaDonVi */
  agencyCode: string;
  /** TaiKhoan */
  account: string;
  /** SoDinhDanh (12 digits) or SoCMND (9 digits) */
  personalId: string;
  /** HoVaTen */
  fullName: string;
  /** YYYY-MM-DD, sent as NgayThangNamSinh/NgayThangNam yyyyMMdd */
  dateOfBirth: string;
}

/** One element of the request: text, or child elements. */
export type SoapElement = [name: string, value: string | SoapElement[]];

const identifierOf = (r: LookupRequest): SoapElement => [isOldIdCardNumber(r.personalId) ? 'SoCMND' : 'SoDinhDanh', r.personalId];
const birthOf = (r: LookupRequest): SoapElement => ['NgayThangNamSinh', [['NgayThangNam', r.dateOfBirth.replace(/-/g, '')]]];
const phoneOf = (r: LookupRequest): SoapElement[] => (r.officerPhone ? [['SoDienThoai', r.officerPhone]] : []);

/**
 * Direct mode, in the order of the public C# client (CallApi037.SendRequestAsync): MaYeuCau, MaDVC, MaTichHop,
 * MaCanBo, MaDonVi, TaiKhoan, SoDienThoai, SoDinhDanh, HoVaTen, NgayThangNamSinh. That client always sends
 * SoDienThoai ("0"); we send the official's phone, or nothing (the Hậu Giang source never sends it). A 9-digit
 * old ID goes as SoCMND in SoDinhDanh's place.
 */
export function directElements(r: LookupRequest): SoapElement[] {
  return [
    ['MaYeuCau', r.requestId],
    ['MaDVC', r.serviceCode],
    ['MaTichHop', r.integrationCode],
    ['MaCanBo', r.officerId],
    ['MaDonVi', r.agencyCode],
    ['TaiKhoan', r.account],
    ...phoneOf(r),
    identifierOf(r),
    ['HoVaTen', r.fullName],
    birthOf(r),
  ];
}

/**
 * LGSP-wrapped mode, in the order of VietOpenCPS QLCDIntegrationActionImpl.createRequestSoap (commit 49227ecda):
 * MaYeuCau, MaDVC, MaTichHop, MaCanBo, SoDinhDanh first ("Some key must order by this"), then the remaining keys
 * of the request's JSON object as it iterates them. That object is a Java HashMap of 16 buckets, which yields
 * SoCMND, HoVaTen, SoDienThoai, NgayThangNamSinh; we reproduce that order. MaDonVi and TaiKhoan are not sent
 * there: the source removes GovAgencyCode and StaffEmail before building the SOAP.
 */
export function lgspWrappedElements(r: LookupRequest): SoapElement[] {
  return [
    ['MaYeuCau', r.requestId],
    ['MaDVC', r.serviceCode],
    ['MaTichHop', r.integrationCode],
    ['MaCanBo', r.officerId],
    // SoDinhDanh is fifth by rule; SoCMND lands fifth too, being first in the HashMap's order.
    identifierOf(r),
    ['HoVaTen', r.fullName],
    ...phoneOf(r),
    birthOf(r),
  ];
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function serialize(prefix: string, elements: SoapElement[]): string {
  return elements
    .map(([name, value]) => `<${prefix}:${name}>${typeof value === 'string' ? escapeXml(value) : serialize(prefix, value)}</${prefix}:${name}>`)
    .join('');
}

/**
 * The envelope both sources write: no XML declaration, an empty soapenv:Header, the operation in the request
 * namespace under `prefix` (CallApi037 writes "dan", createRequestSoap "qldc"). Unlike both sources we escape
 * values, which changes nothing for digits and names.
 */
export function soapEnvelope(prefix: string, elements: SoapElement[]): string {
  return (
    `<soapenv:Envelope xmlns:soapenv="${soapNamespace}" xmlns:${prefix}="${requestNamespace}">` +
    `<soapenv:Header/><soapenv:Body><${prefix}:${lookupOperation}>${serialize(prefix, elements)}</${prefix}:${lookupOperation}></soapenv:Body></soapenv:Envelope>`
  );
}
