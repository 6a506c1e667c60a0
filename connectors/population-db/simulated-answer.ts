import { requestNamespace, soapNamespace } from './soap-request.ts';
import { responseNamespace } from './soap-answer.ts';
import type { SyntheticCitizen } from './synthetic-citizens.ts';

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const el = (name: string, content: string) => `<ns1:${name}>${content}</ns1:${name}>`;

function congDan(c: SyntheticCitizen): string {
  const yearOnly = /^\d{4}$/.test(c.dateOfBirth);
  const birth = el('Nam', c.dateOfBirth.slice(0, 4)) + (yearOnly ? '' : el('NgayThangNam', c.dateOfBirth.replace(/-/g, '')));
  return el(
    'CongDan',
    el('SoDinhDanh', c.personalId) +
      (c.oldIdNumber ? el('SoCMND', c.oldIdNumber) : '') +
      el('HoVaTen', el('Ho', escapeXml(c.family)) + el('ChuDem', escapeXml(c.middle)) + el('Ten', escapeXml(c.given))) +
      el('NgayThangNamSinh', birth),
  );
}

/** `bare`: the public samples' shape (Body > ns1:CongdanCollection). `response-wrapper`: inside TraCuuThongTinCongDanResponse. */
export type AnswerShape = 'bare' | 'response-wrapper';

/** A registry answer as the registry writes it: the simulator's side of soap-answer.ts. No citizen: an empty collection. */
export function toLookupResponse(citizen: SyntheticCitizen | undefined, shape: AnswerShape = 'bare'): string {
  const collection = `<ns1:CongdanCollection${shape === 'bare' ? ` xmlns:ns1="${responseNamespace}"` : ''}>${citizen ? congDan(citizen) : ''}</ns1:CongdanCollection>`;
  const content = shape === 'bare' ? collection : `<ns1:TraCuuThongTinCongDanResponse xmlns:ns1="${responseNamespace}">${collection}</ns1:TraCuuThongTinCongDanResponse>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${soapNamespace}">` +
    `<soapenv:Header xmlns:dan="${requestNamespace}"/><soapenv:Body xmlns:dan="${requestNamespace}">${content}</soapenv:Body></soapenv:Envelope>`
  );
}

export function soapFault(message: string): string {
  return `<soapenv:Envelope xmlns:soapenv="${soapNamespace}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
}
