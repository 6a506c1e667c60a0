import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPopulationSimulator, type RegistryLookupSeen, type RegistryStats } from '../../connectors/population-db/simulator.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { agencyCode, registryOptions, SimulatorClient, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';
import { circuitTransitions } from '../helpers/circuit-log.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
let registry: SimulatorClient<RegistryLookupSeen, RegistryStats>;
let redis: Redis;

beforeAll(async () => {
  const app: FastifyInstance = buildPopulationSimulator(registryOptions);
  registry = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  t = await startTestGateway({
    registryUrl: registry.url,
    overrides: { registries: { population: { timeoutMs: 400, maxConcurrent: 2, queueTimeoutMs: 100, circuitBreaker: { failureThreshold: 3, openMs: 1500 } } } },
  });
  redis = new Redis(t.config.redis.url!);
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
  await registry?.close();
});
beforeEach(async () => {
  await registry.faults({});
});

const citizen = { personalId: '001090012345', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-14' };
/** The official making the checks: a made-up personal ID and phone, personal data like the citizen's. */
const officer = { id: '001085000111', phone: '0912345678' };
async function verify(overrides: Record<string, unknown> = {}) {
  const doc = { ...citizen, dossierCode: `${agencyCode}-CD-0001`, agencyCode, purpose: 'tiep-nhan-ho-so', officer: { id: officer.id }, ...overrides };
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${t.url}/v1/citizens/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, t.pki.defaultSigner) },
    body,
  });
  return { statusCode: res.statusCode, headers: res.headers, body: (await res.body.json()) as any };
}

describe('citizen identity verification against the population registry', () => {
  it('confirms a citizen whose name and birth date match, ignoring case and spacing', async () => {
    expect((await verify()).body).toMatchObject({ match: true, mismatchedFields: [] });
    expect((await verify({ fullName: '  nguyễn   VĂN an ' })).body).toMatchObject({ match: true });
  });

  it('says which field differs, and when a name differs only in diacritics', async () => {
    expect((await verify({ fullName: 'Nguyen Van An' })).body).toMatchObject({ match: false, mismatchedFields: [{ field: 'fullName', reason: 'differs only in diacritics' }] });
    expect((await verify({ fullName: 'Nguyễn Văn Bình', dateOfBirth: '1990-05-15' })).body.mismatchedFields).toEqual([
      { field: 'fullName', reason: 'different' },
      { field: 'dateOfBirth', reason: 'different' },
    ]);
  });

  it('compares on the year alone when the registry knows only the year of birth', async () => {
    expect((await verify({ personalId: '036155000123', fullName: 'Lê Thị Lệ', dateOfBirth: '1955-03-01' })).body).toMatchObject({ match: true });
  });

  it('answers "not found" for a well-formed ID the registry does not hold', async () => {
    expect((await verify({ personalId: '001090999999' })).body).toMatchObject({ match: false, mismatchedFields: [{ field: 'personalId', reason: 'not found in the registry' }] });
  });

  it('refuses an ID whose structure is wrong before asking the registry', async () => {
    const before = (await registry.received()).stats.lookups;
    const wrongCentury = await verify({ personalId: '001990012345' });
    expect(wrongCentury.statusCode).toBe(400);
    expect(wrongCentury.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/personalId', message: expect.stringContaining('birth year 1890') }] });
    expect((await verify({ personalId: '00109001234' })).body.details).toEqual([{ path: '/personalId', message: 'must be 12 digits (personal ID) or 9 digits (old ID card number)' }]);
    expect((await registry.received()).stats.lookups).toBe(before);
  });

  it('tells the registry who checks, for which procedure, with its integration code and an empty SOAPAction, in the public client\'s order', async () => {
    const answer = await verify({ officer, serviceCode: '1.001612.000.00.00.H22' });
    expect(answer.body.match).toBe(true);
    const seen = (await registry.received()).effects.find((e) => e.requestId === answer.body.lookupId)!;
    expect(seen).toMatchObject({ mode: 'direct', soapAction: '""', contentType: 'application/xml; charset=utf-8' });
    expect(seen.fields).toMatchObject({ MaCanBo: officer.id, SoDienThoai: officer.phone, MaDVC: '1.001612.000.00.00.H22', MaTichHop: '037', MaDonVi: agencyCode, TaiKhoan: 'test-province', SoDinhDanh: citizen.personalId });
    expect(seen.elements).toEqual(['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo', 'MaDonVi', 'TaiKhoan', 'SoDienThoai', 'SoDinhDanh', 'HoVaTen', 'NgayThangNamSinh']);
    const withoutService = await verify();
    expect((await registry.received()).effects.find((e) => e.requestId === withoutService.body.lookupId)!.fields).toMatchObject({ MaDVC: 'VPCP' });
  });

  it('checks a citizen by the 9-digit number of an old ID card, sent as SoCMND and matched on it', async () => {
    const answer = await verify({ personalId: '025188432', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' });
    expect(answer.body).toMatchObject({ match: true, mismatchedFields: [] });
    const seen = (await registry.received()).effects.find((e) => e.requestId === answer.body.lookupId)!;
    expect(seen.fields).toMatchObject({ SoCMND: '025188432' });
    expect(seen.fields).not.toHaveProperty('SoDinhDanh');
    expect((await verify({ personalId: '025999999', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' })).body.mismatchedFields).toEqual([{ field: 'personalId', reason: 'not found in the registry' }]);
  });

  it('refuses a check that does not say which official makes it, naming the field, before asking the registry', async () => {
    const before = (await registry.received()).stats.lookups;
    const noOfficer = await verify({ officer: undefined });
    expect(noOfficer.statusCode).toBe(400);
    expect(noOfficer.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/officer', message: 'is required' }] });
    const noOfficerId = await verify({ officer: { phone: officer.phone } });
    expect(noOfficerId.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/officer/id', message: 'is required' }] });
    expect((await registry.received()).stats.lookups).toBe(before);
  });

  it('reads the registry\'s answer with a TraCuuThongTinCongDanResponse wrapper as well as the bare one', async () => {
    await registry.faults({ answerShape: 'response-wrapper' });
    expect((await verify()).body).toMatchObject({ match: true });
  });

  it('answers 504 with a retry hint when the registry is too slow, 503 when it answers about someone else', async () => {
    await registry.faults({ latencyMs: 800 });
    const slow = await verify();
    expect(slow.statusCode).toBe(504);
    expect(slow.body.error).toBe('UPSTREAM_TIMEOUT');
    expect(Number(slow.headers['retry-after'])).toBeGreaterThan(0);
    await registry.faults({ wrongAnswer: true });
    const wrong = await verify();
    expect(wrong.statusCode).toBe(503);
    expect(wrong.body.message).toContain('another personal ID');
    await registry.faults({});
    expect((await verify()).body.match).toBe(true); // two failures, then a success: the breaker stays closed
  });

  it('lets at most maxConcurrent lookups wait on a slow registry; the rest are refused at once', async () => {
    await registry.faults({ latencyMs: 300 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => verify()));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThanOrEqual(2);
    expect(answers.filter((a) => a.statusCode === 503).every((a) => a.body.message.includes('too many lookups'))).toBe(true);
  });

  it('opens the circuit when the registry is down: answers fast without calling it, then recovers', async () => {
    await registry.faults({ failNext: 1000, status: 503 });
    for (let i = 0; i < 3; i++) expect((await verify()).statusCode).toBe(503);
    const callsWhenOpened = (await registry.received()).stats.lookups;
    const paused = await verify();
    expect(paused.statusCode).toBe(503);
    expect(paused.body.message).toContain('calls are paused');
    expect((await registry.received()).stats.lookups).toBe(callsWhenOpened); // answered without calling it
    await registry.faults({});
    // Asked again and again while open: once the window is over the next lookup is the probe, and it goes through.
    const recovered = await until('the open circuit to let a lookup through to the recovered registry', () => verify(), (r) => r.statusCode === 200);
    expect(recovered.body.match).toBe(true);
    // Every lookup asked while it was open was answered without the registry: only the probe reached it.
    expect((await registry.received()).stats.lookups).toBe(callsWhenOpened + 1);
    const [opened, halfOpen] = circuitTransitions(t.logs, { registry: 'population' }).slice(-3);
    expect([opened!.state, halfOpen!.state]).toEqual(['open', 'half-open']);
    expect(halfOpen!.time - opened!.time).toBeGreaterThanOrEqual(1500); // open for its whole window
  });

  it('audits every lookup with the personal ID as a salted hash and keeps PII out of the logs', async () => {
    await expect.poll(async () => (await redis.hvals(`${t.config.redis.prefix}:msglog:records`)).filter((r) => r.includes('citizen.verify.v1')).length, { timeout: 5000 }).toBeGreaterThan(5);
    const records = (await redis.hvals(`${t.config.redis.prefix}:msglog:records`)).filter((r) => r.includes('citizen.verify.v1')).map((r) => JSON.parse(r));
    expect(records[0]).toMatchObject({ partner: 'province-a', type: 'citizen.verify.v1', body: { agencyCode, purpose: 'tiep-nhan-ho-so', personalId: expect.stringMatching(/^hmac:[0-9a-f]{32}$/) } });
    expect(new Set(records.map((r) => r.outcome))).toEqual(new Set(['match', 'mismatch', 'not-found', 'timeout', 'unavailable', 'busy', 'circuit-open']));
    const everything = JSON.stringify(records) + t.logs.join('');
    expect(records.find((r) => r.body.officerPhone)?.body).toMatchObject({ officerId: expect.stringMatching(/^hmac:/), officerPhone: expect.stringMatching(/^hmac:/) });
    for (const pii of ['001090012345', 'Nguyễn Văn An', '1990-05-14', '036155000123', 'Lê Thị Lệ', '025188432', officer.id, officer.phone]) expect(everything).not.toContain(pii);
  });
});
