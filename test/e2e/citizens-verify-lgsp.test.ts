import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPopulationSimulator, type RegistryLookupSeen, type RegistryStats } from '../../connectors/population-db/simulator.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { agencyCode, lgspWrappedRegistryOptions, SimulatorClient, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

/** The population registry behind a Hậu Giang-style LGSP: the simulator plays both, the gateway runs options.mode "lgsp-wrapped". */
let t: TestGateway;
let registry: SimulatorClient<RegistryLookupSeen, RegistryStats>;

beforeAll(async () => {
  const app: FastifyInstance = buildPopulationSimulator(lgspWrappedRegistryOptions);
  registry = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  t = await startTestGateway({ registryUrl: registry.url, overrides: { registries: { population: { options: lgspWrappedRegistryOptions } } } });
});
afterAll(async () => {
  await t?.close();
  await registry?.close();
});

const officer = { id: 'canbo.motcua.hg', phone: '0987654321' };
async function verify(overrides: Record<string, unknown> = {}) {
  const doc = { personalId: '001090012345', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-14', dossierCode: `${agencyCode}-CD-0002`, agencyCode, purpose: 'tiep-nhan-ho-so', officer, serviceCode: '1.001612', ...overrides };
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${t.url}/v1/citizens/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, t.pki.defaultSigner) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}
const seenFor = async (lookupId: string) => (await registry.received()).effects.find((e) => e.requestId === lookupId)!;

describe('citizen identity verification through a provincial LGSP (lgsp-wrapped mode)', () => {
  it('gets a token with lgspaccesstoken, then sends the SOAP with Bearer token and AuthHash, in the order of the public source', async () => {
    const answer = await verify();
    expect(answer.body).toMatchObject({ match: true, mismatchedFields: [] });
    const seen = await seenFor(answer.body.lookupId);
    expect(seen).toMatchObject({ mode: 'lgsp-wrapped', contentType: 'application/xml' });
    expect(seen.elements).toEqual(['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo', 'SoDinhDanh', 'HoVaTen', 'SoDienThoai', 'NgayThangNamSinh']);
    expect(seen.fields).toMatchObject({ MaCanBo: officer.id, MaDVC: '1.001612', MaTichHop: '037', SoDienThoai: officer.phone });
    expect((await registry.received()).stats).toMatchObject({ tokens: 1, refused: 0 });
  });

  it('keeps its token; when the LGSP forgets it, takes a fresh one and the check still succeeds', async () => {
    const before = (await registry.received()).stats;
    expect((await verify({ fullName: 'Nguyễn Văn Bình' })).body.mismatchedFields).toEqual([{ field: 'fullName', reason: 'different' }]);
    expect((await registry.received()).stats).toMatchObject({ tokens: before.tokens, lookups: before.lookups + 1 });
    await request(`${registry.url}/_sim/tokens/revoke`, { method: 'POST' });
    expect((await verify()).body.match).toBe(true);
    expect((await registry.received()).stats).toMatchObject({ tokens: before.tokens + 1, refused: before.refused + 1, lookups: before.lookups + 3 });
  });

  it('sends an old 9-digit ID card number as SoCMND, fifth, and matches the answer on it', async () => {
    const answer = await verify({ personalId: '025188432', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1988-11-02' });
    expect(answer.body.match).toBe(true);
    expect((await seenFor(answer.body.lookupId)).elements.slice(0, 6)).toEqual(['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo', 'SoCMND', 'HoVaTen']);
  });

  it('keeps the official, the citizen and the LGSP credentials out of the logs', async () => {
    const everything = t.logs.join('');
    expect(everything).toContain('citizen verified');
    for (const secret of [officer.id, officer.phone, '001090012345', 'Nguyễn Văn An', '025188432', lgspWrappedRegistryOptions.secretKey, lgspWrappedRegistryOptions.keyPass]) expect(everything).not.toContain(secret);
  });
});
