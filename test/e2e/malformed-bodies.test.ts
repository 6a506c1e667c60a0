import { X509Certificate } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { transactionChecksum } from '../../connectors/bank-paygov/checksum.ts';
import { MessageLog } from '../../src/audit/message-log.ts';
import { exportMessageLog } from '../../src/audit/message-log-reader.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { signXmlEnveloped } from '../../src/signatures/sign-xml.ts';
import { paygovOptions, paymentRequest, startPaygovTestGateway, type PaygovTestGateway } from '../helpers/payment-gateway.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { agencyCode, startTestGateway, statusUpdate, totalJobs, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * Bodies whose bytes are not UTF-8, or XML with characters XML 1.0 does not allow, are refused on every route that
 * takes one (400 BODY_MALFORMED naming the byte), signed correctly over those exact bytes so nothing else could refuse
 * them. Each case is sent a second time with the bad bytes replaced by good ones: that one is accepted, so the
 * refusal is the bytes' doing.
 */
let t: TestGateway;
let redis: Redis;
beforeAll(async () => {
  const pki = createTestPki();
  t = await startTestGateway({
    role: 'api',
    pki,
    overrides: {
      // The portal's push, signed by the same test signer (the route is only there when push is configured).
      submissions: { source: 'national-portal', push: { certificates: [{ fingerprint256: new X509Certificate(pki.signer.certificatePem).fingerprint256 }] } },
    },
  });
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
});

const allJobs = async () => {
  const counts = await Promise.all(t.gateway.queues.all().map(([, queue]) => queue.getJobCounts()));
  return counts.reduce((sum, c) => sum + totalJobs(c), 0);
};

/** `text` with its one `@` replaced by `bad`; returns the bytes and where `bad` starts. */
function withBytes(text: string, bad: Buffer): { body: Buffer; offset: number } {
  const [before, after] = text.split('@') as [string, string];
  return { body: Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]), offset: Buffer.byteLength(before) };
}

const statusJson = (extra: Record<string, unknown> = {}) => JSON.stringify(statusUpdate({ note: 'Chuyển phòng @chuyên môn', ...extra }));
const statusV2Json = () => {
  const { note: _note, ...doc } = statusUpdate({ summary: 'Hồ sơ @cấp phép' });
  return JSON.stringify(doc);
};
function statusXml(root = 'DossierStatus', text = 'Chuyển phòng @chuyên môn'): string {
  const doc = statusUpdate();
  return (
    `<${root}><dossierCode>${doc.dossierCode}</dossierCode><procedureCode>${doc.procedureCode}</procedureCode><agencyCode>${agencyCode}</agencyCode>` +
    `<status>4</status><statusTime>${doc.statusTime}</statusTime><channel>online</channel><${root === 'DossierStatus' ? 'note' : 'summary'}>${text}</${root === 'DossierStatus' ? 'note' : 'summary'}></${root}>`
  );
}
const party = (fullName: string) => ({ fullName, phone: '0912345678', address: '12 Trần Hưng Đạo', provinceCode: '20', districtCode: '2010' });
const shipmentJson = () => JSON.stringify({ dossierCode: `${agencyCode}-BC-${Date.now()}`, agencyCode, kind: 'delivery', citizen: party('Phạm Thị @Thu'), office: party('Bộ phận một cửa'), codAmount: 0 });

/** Bytes that are not UTF-8, each a different way to fail. */
const notUtf8 = {
  'a Latin-1 byte (0xEA, "ê" in ISO-8859-1)': Buffer.from([0xea]),
  'a lone continuation byte (0x80)': Buffer.from([0x80]),
  'an overlong "/" (0xC0 0xAF)': Buffer.from([0xc0, 0xaf]),
  'a UTF-16 surrogate (0xED 0xA0 0x80)': Buffer.from([0xed, 0xa0, 0x80]),
  'a truncated sequence (0xE1 0xBB)': Buffer.from([0xe1, 0xbb, 0x20]),
};

async function expectMalformed(res: { statusCode: number; body: any }, expected: RegExp) {
  expect(res.statusCode, JSON.stringify(res.body)).toBe(400);
  expect(res.body).toMatchObject({ error: 'BODY_MALFORMED', details: [{ path: '/', message: expect.stringMatching(expected) }] });
  expect(res.body.message).toMatch(expected);
}

describe('bodies that are not UTF-8', () => {
  it.each(Object.entries(notUtf8))('a signed JSON status update with %s: 400 naming the byte, nothing queued', async (_label, bad) => {
    const before = await allJobs();
    const { body, offset } = withBytes(statusJson(), bad);
    await expectMalformed(await t.send({ raw: body }), new RegExp(`invalid UTF-8 at byte ${offset}\\b`));
    expect(await allJobs()).toBe(before);
  });

  it.each([
    ['/v1/dossiers/status', 'JSON', statusJson, 'application/json'],
    ['/v1/dossiers/status', 'XML', () => statusXml(), 'application/xml'],
    ['/v2/dossiers/status', 'JSON', statusV2Json, 'application/json'],
    ['/v2/dossiers/status', 'XML', () => statusXml('DossierStatusV2', 'Hồ sơ @cấp phép'), 'text/xml'],
    ['/v1/postal/shipments', 'JSON', shipmentJson, 'application/json'],
  ])('%s (%s): refused with a Latin-1 byte, accepted with the same text in UTF-8', async (path, _format, text, contentType) => {
    const before = await allJobs();
    const source = text();
    const { body, offset } = withBytes(source, Buffer.from([0xea]));
    await expectMalformed(await t.send({ raw: body, contentType, path }), new RegExp(`invalid UTF-8 at byte ${offset}\\b`));
    expect(await allJobs()).toBe(before);
    const good = await t.send({ raw: Buffer.from(source.replace('@', 'ê')), contentType, path });
    expect(good.statusCode, JSON.stringify(good.body)).toBe(202);
    expect(await allJobs()).toBe(before + 1);
  });

  it.each([
    ['/v1/payments', JSON.stringify(paymentRequest({ returnUrl: 'https://motcua.example.gov.vn/@' }))],
    ['/v1/citizens/verify', JSON.stringify({ personalId: '001090012345', fullName: 'Nguyễn Văn @An', dateOfBirth: '1990-05-14', dossierCode: `${agencyCode}-X`, agencyCode, purpose: 'tiep-nhan-ho-so', officer: { id: '001085000111' } })],
  ])('%s: refused before anything is asked of a bank or registry', async (path, text) => {
    const { body, offset } = withBytes(text, Buffer.from([0xff]));
    await expectMalformed(await t.send({ raw: body, path }), new RegExp(`invalid UTF-8 at byte ${offset}\\b`));
  });

  it('the portal\'s signed push (/v1/submissions/push): refused, nothing handed to the province', async () => {
    const before = await allJobs();
    const { body, offset } = withBytes(JSON.stringify({ items: [{ MaHoSo: `${agencyCode}-ON-1`, ChuHoSo: 'Hoàng Văn @Nam' }] }), Buffer.from([0xea]));
    const res = await request(`${t.url}/v1/submissions/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signCms(body, t.pki.defaultSigner) }, body });
    await expectMalformed({ statusCode: res.statusCode, body: await res.body.json() }, new RegExp(`invalid UTF-8 at byte ${offset}\\b`));
    expect(await allJobs()).toBe(before);
  });
});

describe('XML with characters XML 1.0 does not allow', () => {
  it.each([
    ['a raw NUL', '\u0000', /U\+0000 is not allowed in XML 1\.0/],
    ['a raw vertical tab', '\u000b', /U\+000B is not allowed in XML 1\.0/],
    ['a raw escape (0x1B)', '\u001b', /U\+001B is not allowed in XML 1\.0/],
    ['U+FFFF', '\uffff', /U\+FFFF is not allowed in XML 1\.0/],
    ['a reference to NUL (&#0;)', '&#0;', /&#0; \(U\+0000\) is not allowed in XML 1\.0/],
    ['a reference to 0x1 (&#x1;)', '&#x1;', /&#x1; \(U\+0001\) is not allowed in XML 1\.0/],
  ])('CMS-signed XML with %s: 400 naming it and its byte, nothing queued', async (_label, bad, expected) => {
    const before = await allJobs();
    const { body, offset } = withBytes(statusXml(), Buffer.from(bad));
    const res = await t.send({ raw: body, contentType: 'application/xml' });
    await expectMalformed(res, expected);
    expect(res.body.details[0].message).toContain(`at byte ${offset})`);
    expect(await allJobs()).toBe(before);
  });

  it('XML-DSig-signed XML with a raw NUL is refused; the same document signed without it is accepted', async () => {
    const before = await allJobs();
    const source = statusXml();
    const withNul = signXmlEnveloped(source.replace('@', '\u0000'), t.pki.defaultSigner);
    await expectMalformed(await t.send({ raw: withNul, contentType: 'application/xml', signature: null }), /U\+0000 is not allowed/);
    expect(await allJobs()).toBe(before);
    const clean = await t.send({ raw: signXmlEnveloped(source.replace('@', ''), t.pki.defaultSigner), contentType: 'application/xml', signature: null });
    expect(clean.statusCode, JSON.stringify(clean.body)).toBe(202);
  });

  it('tab, CR and LF, and references to allowed characters, are XML characters', async () => {
    const res = await t.send({ raw: statusXml('DossierStatus', 'a\tb\r\nc &#x1EC7; &#65; @'), contentType: 'application/xml' });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(202);
  });

  it('the message log holds refusals only by their code: no refused body, no queued record for one', async () => {
    const log = new MessageLog(redis, t.config.redis.prefix, t.config.messageLog.piiSalt);
    while ((await log.seal()) > 0);
    const records: Array<{ outcome: string; body?: unknown; bodySha256?: string }> = [];
    for await (const line of exportMessageLog(log)) records.push(JSON.parse(line));
    const refused = records.filter((r) => r.outcome === 'BODY_MALFORMED');
    expect(refused.length).toBeGreaterThanOrEqual(Object.keys(notUtf8).length + 5 + 6 + 1);
    for (const r of refused) expect(r.body).toBeUndefined();
    // Queued records are exactly the accepted controls (5 routes, the XML-DSig one, the allowed characters).
    expect(records.filter((r) => r.outcome === 'queued')).toHaveLength(7);
    expect(records.filter((r) => r.outcome === 'queued')).toHaveLength(await allJobs());
  });
});

describe('a payment platform callback that is not UTF-8', () => {
  let p: PaygovTestGateway;
  beforeAll(async () => {
    p = await startPaygovTestGateway();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('is answered "data invalid" and settles nothing, though its checksum is genuine; the same callback in UTF-8 settles', async () => {
    const created = await p.createPayment(paymentRequest({ provider: 'paygov', procedureCode: '1.009994.000.00.00.H22', procedureName: 'Cấp giấy phép xây dựng' }));
    expect(created.statusCode).toBe(201);
    const paymentId = created.body.paymentId as string;
    const checkSum = transactionChecksum(paygovOptions.hashKey2, { additionFee: '0', clientId: paygovOptions.clientId, command: 'PAY', transAmount: '200000', transactionId: paymentId, version: '3.0' });
    // transaction_code is not under the checksum: a byte there is exactly what replacement decoding would let through.
    const text = JSON.stringify({ client_id: paygovOptions.clientId, transaction_id: paymentId, transaction_code: 'FT@1', trans_amount: '200000', status: 0, check_sum: checkSum });
    const post = async (body: Buffer) => {
      const res = await request(`${p.url}/v1/payments/callbacks/paygov`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { statusCode: res.statusCode, body: await res.body.json() };
    };
    expect(await post(withBytes(text, Buffer.from([0xea])).body)).toEqual({ statusCode: 200, body: { return_code: -1, return_msg: 'error: data invalid' } });
    expect((await p.payment(paymentId)).status).toBe('pending');
    expect(await post(Buffer.from(text.replace('@', 'ê')))).toEqual({ statusCode: 200, body: { return_code: 0, return_msg: 'success' } });
    expect(await p.payment(paymentId)).toMatchObject({ status: 'paid', transactionNo: 'FTê1' });
  });
});
