import { afterAll, beforeAll, expect, it } from 'vitest';
import { PortalSimulator, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * A dossier's create (DongBoHoSoMC, isUpdating "False") whose answer was lost can reach the portal after the next
 * attempt's look-up (TraCuuHoSo) said "not there": that attempt's create is then refused as "exists". Found by
 * `npm run chaos` (slow portal: updates dead-lettered PERMANENT). Reproduced here with two gateways on one portal —
 * the second knows nothing of the first's create — and the look-up refused once, which reads as "not there".
 */
let portal: PortalSimulator;
let first: TestGateway;
let second: TestGateway;
beforeAll(async () => {
  portal = await PortalSimulator.start();
  first = await startTestGateway({ portal });
  second = await startTestGateway({ portal });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  await portal?.close();
});

it('a create refused because the portal already has the dossier is looked up again and sent as an update', async () => {
  const dossierCode = statusUpdate().dossierCode as string;
  const created = await first.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-24T09:00:00+07:00' }) });
  await first.waitForState(created.body.messageId, ['delivered']);

  await portal.faults({ refuse: { service: 'TraCuuHoSo', count: 1, error_code: 99 } });
  const res = await second.send({ doc: statusUpdate({ dossierCode, status: 5, statusTime: '2026-11-24T10:00:00+07:00' }) });
  const view = await second.waitForState(res.body.messageId, ['delivered', 'dead']);
  expect(view.state).toBe('delivered');
  const syncs = (await portal.effectsFor(dossierCode)).filter((e) => e.service === 'DongBoHoSoMC').map((e) => e.payload.isUpdating);
  expect(syncs).toEqual(['False', 'True']); // the refused create changed nothing; the update did
  expect((await portal.progressFor(dossierCode)).map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai)).toEqual(['4', '5']);
});
