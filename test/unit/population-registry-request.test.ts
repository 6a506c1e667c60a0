/**
 * Golden requests of the population registry connector, against what the public clients send for one example
 * citizen (fixtures in test/fixtures/population-registry/, rendered by hand from the source):
 *
 * - direct-request.xml: the public C# client Module.Common.C06.CallApi037, method SendRequestAsync (body) and its
 *   constructor (headers). Its MaYeuCau ("RANDOM"+time) and SoDienThoai ("0") are replaced by our request id and
 *   the official's phone, the values we send there.
 * - lgsp-wrapped-request*.xml: VietOpenCPS opencps-v2 commit 49227ecda,
 *   modules/backend-dossiermgt/backend-dossiermgt-service/.../action/impl/QLCDIntegrationActionImpl.java,
 *   createRequestSoap (body, byte for byte) and sendData (the wrapper), with the wrapper as
 *   serviceapi/ApiThirdPartyServiceImpl.callApiWithRawBody puts it on the wire, and the token request as
 *   callApiEncode sends it. The rest of createRequestSoap's order is a Java HashMap's (see soap-request.ts).
 *
 * Compared element by element: namespace, name, text, in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PopulationRegistryClient } from '../../connectors/population-db/client.ts';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import type { Transport, TransportAnswer, TransportCall } from '../../src/connectors/transport/transport.ts';
import { toLookupResponse } from '../../connectors/population-db/simulated-answer.ts';
import { wellKnownCitizens } from '../../connectors/population-db/synthetic-citizens.ts';
import { lgspWrappedRegistryOptions, registryOptions } from '../helpers/registry-options.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/population-registry', name), 'utf8');

/** Every element under the SOAP Body, depth first: "{namespace}Name = text" (text of leaves only, trimmed). */
function fieldsOf(xml: string): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const out: string[] = [];
  const walk = (e: Element) => {
    const children = Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1);
    out.push(`{${e.namespaceURI}}${e.localName}${children.length ? '' : ` = ${(e.textContent ?? '').trim()}`}`);
    children.forEach(walk);
  };
  const envelope = doc.documentElement!;
  out.push(`{${envelope.namespaceURI}}${envelope.localName}`);
  Array.from(envelope.childNodes).filter((n): n is Element => n.nodeType === 1).forEach(walk);
  return out;
}

/** A transport that records each call and answers from a queue. */
class RecordingTransport implements Transport {
  readonly via = 'direct';
  readonly calls: TransportCall[] = [];
  constructor(private readonly answers: Array<Partial<TransportAnswer>>) {}
  async call(call: TransportCall): Promise<TransportAnswer> {
    this.calls.push(call);
    const a = this.answers.shift() ?? {};
    const text = a.text ?? toLookupResponse(undefined); // by default: the registry has no such citizen
    return { statusCode: a.statusCode ?? 200, headers: {}, bytes: Buffer.from(text), text };
  }
  async close(): Promise<void> {}
}

function clientWith(options: Record<string, unknown>, transport: Transport) {
  return new PopulationRegistryClient({ serviceName: 'population', service: { connector: 'population-db', options, timeoutMs: 1000 }, transport } as unknown as ServiceContext);
}

const requestId = '5b0c7a52-6f0e-4d47-9a2e-0d1f3c9e8a11';
const an = { personalId: '001090012345', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-14' };
const ngoc = wellKnownCitizens[1]!;

afterEach(() => vi.useRealTimers());

describe('population registry, direct mode (CallApi037)', () => {
  it('sends the body the public C# client sends, element by element', async () => {
    const transport = new RecordingTransport([{ text: toLookupResponse(wellKnownCitizens[0]) }]);
    await clientWith(registryOptions, transport).lookup(an, { partner: 'province-a', agencyCode: '000.00.01.H22', dossierCode: 'D-1', requestId, officerId: '001085000111', officerPhone: '0912345678' });
    expect(fieldsOf(transport.calls[0]!.body as string)).toEqual(fieldsOf(fixture('direct-request.xml')));
  });

  it('sends its headers: Timestamp, Basic hash over the configured authUrl (not the URL called), X-Road-Client, ApiKey, SOAPAction ""', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1795400000000);
    const transport = new RecordingTransport([]);
    await clientWith(registryOptions, transport).lookup(an, { partner: 'p', agencyCode: '000.00.01.H22', dossierCode: 'D-1', requestId, officerId: '001085000111' });
    const call = transport.calls[0]!;
    expect(call).toMatchObject({ operation: 'lookup', path: '/dancu/TraCuuThongTinCongDan' });
    // sha256hex("https://dancu.test/xacthuc" + "test-province" + "1795400000000" + secret), computed with sha256sum.
    expect(call.headers).toEqual({
      'content-type': 'application/xml; charset=utf-8',
      soapaction: '""',
      timestamp: '1795400000000',
      authorization: 'Basic dGVzdC1wcm92aW5jZTo2MWRkYzRjZTcxYWRkMGZiOTZiODczMWI4ZjA4NTlhYzk3NDcyMzVmMmFiMDRiZjdjZGFiYzA3MmFjYTlmMzZl',
      'x-road-client': 'VN/GOV/000.00.00.H22/MOTCUA',
      apikey: 'test-registry-api-key',
    });
    // No phone given: no SoDienThoai. No service code: VPCP, as CallApi037.
    expect(fieldsOf(call.body as string).join('\n')).not.toContain('SoDienThoai');
    expect(fieldsOf(call.body as string)).toContain('{http://dancuquocgia.bca}MaDVC = VPCP');
  });

  it('sends a 9-digit old ID card number as SoCMND where SoDinhDanh goes', async () => {
    const transport = new RecordingTransport([]);
    await clientWith(registryOptions, transport).lookup({ personalId: '025188432', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' }, { partner: 'p', agencyCode: 'A-1', dossierCode: 'D-1', requestId, officerId: 'canbo.motcua' });
    const names = fieldsOf(transport.calls[0]!.body as string).map((f) => f.split(/[} ]/)[1]);
    expect(names.slice(4)).toEqual(['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo', 'MaDonVi', 'TaiKhoan', 'SoCMND', 'HoVaTen', 'NgayThangNamSinh', 'NgayThangNam']);
  });
});

describe('population registry, LGSP-wrapped mode (QLCDIntegrationActionImpl, Hậu Giang)', () => {
  const token = { statusCode: 200, text: JSON.stringify({ access_token: 'lgsp-token-1', token_type: 'Bearer', expires_in: 3600 }) };
  const purpose = { partner: 'p', agencyCode: '000.00.01.H22', dossierCode: 'D-1', requestId, officerId: 'canbo.motcua', serviceCode: '1.001612' };

  it('asks the LGSP for a token as callApiEncode does, then sends the SOAP createRequestSoap writes, byte for byte, wrapped as callApiWithRawBody sends it', async () => {
    const transport = new RecordingTransport([token, { text: toLookupResponse(wellKnownCitizens[0]) }]);
    expect(await clientWith(lgspWrappedRegistryOptions, transport).lookup(an, purpose)).toEqual({ fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-14' });
    const [tokenCall, lookupCall] = transport.calls;
    const lgspAccessToken = 'eyJBY2Nlc3NLZXkiOiJ0ZXN0LWFjY2Vzcy1rZXkiLCJTZWNyZXRLZXkiOiJ0ZXN0LWxnc3Atc2VjcmV0LWtleSIsIkFwcE5hbWUiOiJNT1RDVUEiLCJQYXJ0bmVyQ29kZSI6IkhBVUdJQU5HIiwiUGFydG5lckNvZGVDdXMiOiJURVNULUNVUyJ9';
    expect(JSON.parse(Buffer.from(lgspAccessToken, 'base64').toString())).toEqual({ AccessKey: 'test-access-key', SecretKey: 'test-lgsp-secret-key', AppName: 'MOTCUA', PartnerCode: 'HAUGIANG', PartnerCodeCus: 'TEST-CUS' });
    expect(tokenCall).toMatchObject({
      operation: 'token',
      path: '/lgsp/token',
      body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', lgspaccesstoken: lgspAccessToken },
    });
    expect(tokenCall!.headers).not.toHaveProperty('authorization');
    expect(lookupCall).toMatchObject({ operation: 'lookup', path: '/lgsp/dancu/TraCuuThongTinCongDan' });
    expect(lookupCall!.headers).toEqual({
      accept: '*',
      'content-type': 'application/xml',
      authorization: 'Bearer lgsp-token-1',
      lgspaccesstoken: lgspAccessToken,
      authhash: 'dGVzdC1yZWdpc3RyeS1rZXk6dGVzdC1yZWdpc3RyeS1wYXNz', // base64("test-registry-key:test-registry-pass")
    });
    expect(lookupCall!.body).toBe(fixture('lgsp-wrapped-request.xml'));
    expect(fieldsOf(lookupCall!.body as string)).toEqual(fieldsOf(fixture('lgsp-wrapped-request.xml')));
  });

  it('puts a 9-digit old ID card number fifth as SoCMND, and matches the answer on SoCMND', async () => {
    const transport = new RecordingTransport([token, { text: toLookupResponse(ngoc) }]);
    const record = await clientWith(lgspWrappedRegistryOptions, transport).lookup({ personalId: '025188432', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' }, purpose);
    expect(record).toEqual({ fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' });
    expect(transport.calls[1]!.body).toBe(fixture('lgsp-wrapped-request-old-id.xml'));
  });

  it('keeps the token for the next lookup, and on a 401 fetches a fresh one and repeats the call once', async () => {
    const second = { statusCode: 200, text: JSON.stringify({ access_token: 'lgsp-token-2', expires_in: 3600 }) };
    const transport = new RecordingTransport([token, {}, {}, { statusCode: 401, text: '{}' }, second, {}]);
    const client = clientWith(lgspWrappedRegistryOptions, transport);
    await client.lookup(an, purpose);
    await client.lookup(an, purpose);
    await client.lookup(an, purpose);
    expect(transport.calls.map((c) => `${c.operation} ${c.headers?.authorization ?? ''}`)).toEqual([
      'token ',
      'lookup Bearer lgsp-token-1',
      'lookup Bearer lgsp-token-1',
      'lookup Bearer lgsp-token-1',
      'token ',
      'lookup Bearer lgsp-token-2',
    ]);
  });
});

describe('population registry options', () => {
  it('refuses a platform transport, a misplaced adapter_url and an unknown mode, naming what to do', () => {
    const platform = { ...new RecordingTransport([]), via: 'lgsp', call: async () => ({}) as TransportAnswer, close: async () => {} };
    expect(() => clientWith(registryOptions, platform)).toThrow(/options.mode "lgsp-wrapped"/);
    expect(() => clientWith({ ...lgspWrappedRegistryOptions, adapter_url: 'https://lgsp' }, new RecordingTransport([]))).toThrow(/set baseUrl, not options.adapter_url/);
    expect(() => clientWith({ ...registryOptions, mode: 'soap' }, new RecordingTransport([]))).toThrow(/options.mode must be one of "direct", "lgsp-wrapped"/);
    const { authUrl: _authUrl, ...withoutAuthUrl } = registryOptions;
    expect(() => clientWith(withoutAuthUrl, new RecordingTransport([]))).toThrow('population-db connector: options.authUrl must be a non-empty string');
  });
});
