import { afterAll, beforeAll, expect, it } from 'vitest';
import { gatewayIdentity, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { destinations: { 'national-portal': { retry: { maxAgeMs: 60_000, baseDelayMs: 100, maxDelayMs: 400 } } } } });
});
afterAll(() => t.close());

const hour = (h: number) => `2026-11-23T${String(h).padStart(2, '0')}:00:00+07:00`;
const compact = (h: number) => `20261123${String(h).padStart(2, '0')}0000`;

/**
 * The portal's CapNhatTienDoHoSoMC takes a list: progress updates of different dossiers that wait while the
 * worker's calls are in flight go together, signed once. Each message still holds its own dossier's claim, so
 * every dossier's updates reach the portal once each and in their order.
 */
it('updates of several dossiers share one signed call, and every dossier still gets each update once, in order', async () => {
  const dossiers = Array.from({ length: 12 }, () => statusUpdate().dossierCode as string);
  const first = await Promise.all(dossiers.map((dossierCode) => t.send({ doc: statusUpdate({ dossierCode, status: 2, statusTime: hour(8) }) })));
  await Promise.all(first.map((r) => t.waitForState(r.body.messageId, ['delivered'], 30_000)));

  // A slow portal: while a call is in flight, the other updates of this worker wait and then go together.
  await t.portal.faults({ latencyMs: 400 });
  const later: string[] = [];
  for (const h of [9, 10, 11]) {
    const round = await Promise.all(dossiers.map((dossierCode) => t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: hour(h) }) })));
    expect(round.map((r) => r.statusCode)).toEqual(dossiers.map(() => 202));
    later.push(...round.map((r) => r.body.messageId as string));
  }
  const views = await Promise.all(later.map((id) => t.waitForState(id, ['delivered'], 60_000)));
  expect(views.every((v) => v.state === 'delivered')).toBe(true);
  await t.portal.faults({});

  const { effects } = await t.portal.received();
  const progressCalls = effects.filter((e) => e.service === 'CapNhatTienDoHoSoMC');
  const lists = progressCalls.filter((e) => (e.payload.data as unknown[]).length > 1);
  expect(lists.length, 'calls that carried several dossiers').toBeGreaterThan(0);
  for (const list of lists) {
    const codes = (list.payload.data as Array<{ MaHoSo: string }>).map((r) => r.MaHoSo);
    expect(new Set(codes).size, 'a list holds different dossiers').toBe(codes.length);
    expect(list.signer, 'the list is signed by the gateway').toBe(gatewayIdentity().subject);
  }
  for (const dossierCode of dossiers) {
    const times = (await t.portal.progressFor(dossierCode)).map((e) => (e.payload.data as Array<{ ThoiDiemXuLy: string }>)[0]!.ThoiDiemXuLy);
    expect(times, dossierCode).toEqual([compact(8), compact(9), compact(10), compact(11)]);
  }
}, 120_000);

/**
 * After a portal lost some dossiers (restored from a backup), the lists that carry one of them are refused: each is
 * asked again one record at a time, the lost dossier is created again and gets its progress, and no dossier gets an
 * update twice (this takes a refused list to have applied nothing, as the simulator does; README, national portal).
 */
it('a list carrying a dossier the portal lost: the others get their update once, the lost one is created again', async () => {
  const dossiers = Array.from({ length: 12 }, () => statusUpdate().dossierCode as string);
  const first = await Promise.all(dossiers.map((dossierCode) => t.send({ doc: statusUpdate({ dossierCode, status: 2, statusTime: hour(8) }) })));
  await Promise.all(first.map((r) => t.waitForState(r.body.messageId, ['delivered'], 30_000)));
  const lost = dossiers.slice(0, 3);
  for (const dossierCode of lost) await t.portal.forget(dossierCode);
  const before = await t.portal.received();

  await t.portal.faults({ latencyMs: 400 });
  const round = await Promise.all(dossiers.map((dossierCode) => t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: hour(9) }) })));
  const views = await Promise.all(round.map((r) => t.waitForState(r.body.messageId, ['delivered', 'dead'], 60_000)));
  await t.portal.faults({});
  expect(views.map((v) => v.state)).toEqual(dossiers.map(() => 'delivered'));

  const { effects, stats } = await t.portal.received();
  const lists = effects.slice(before.effects.length).filter((e) => e.service === 'CapNhatTienDoHoSoMC' && (e.payload.data as unknown[]).length > 1);
  // Each lost dossier's record refused alone once (then created again), and at least one list refused before that.
  expect(stats.refused - before.stats.refused, 'refusals: the lists that carried a lost dossier, then each lost record alone').toBeGreaterThan(lost.length);
  expect(lists.length, 'this round\'s lists still carried several dossiers').toBeGreaterThan(0);
  for (const dossierCode of dossiers) {
    const times = (await t.portal.progressFor(dossierCode)).map((e) => (e.payload.data as Array<{ ThoiDiemXuLy: string }>)[0]!.ThoiDiemXuLy);
    expect(times, dossierCode).toEqual([compact(8), compact(9)]);
    const syncs = (await t.portal.effectsFor(dossierCode)).filter((e) => e.service === 'DongBoHoSoMC').map((e) => e.payload.isUpdating);
    expect(syncs, dossierCode).toEqual(lost.includes(dossierCode) ? ['False', 'False'] : ['False']);
  }
}, 120_000);
