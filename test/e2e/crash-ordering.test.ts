import { afterEach, describe, expect, it } from 'vitest';
import { PortalSimulator, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { GatewayProcess } from '../../chaos/gateway-process.ts';

/**
 * A worker that dies at the worst instant: the portal applied the update, and the gateway either never heard the
 * answer or heard it and had not yet recorded it for ordering. Real processes, kill -9 (a failpoint where the
 * instant is too short to hit from outside).
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const fastRecovery = { delivery: { stalledIntervalMs: 1000, lockDurationMs: 2000, dossierLockMs: 1000 } };

async function apiAndPortal(): Promise<{ t: TestGateway; portal: PortalSimulator; workerConfig: TestGateway['config'] }> {
  const portal = await PortalSimulator.start();
  cleanups.push(() => portal.close());
  const t = await startTestGateway({ role: 'api', portal, overrides: fastRecovery });
  cleanups.push(() => t.close());
  return { t, portal, workerConfig: { ...t.config, role: 'worker' as const } };
}

function startWorker(config: TestGateway['config'], env: Record<string, string> = {}): GatewayProcess {
  const worker = GatewayProcess.start(config, env);
  cleanups.push(() => worker.kill());
  return worker;
}

const statusesAtPortal = async (portal: PortalSimulator, dossierCode: string) =>
  (await portal.progressFor(dossierCode)).map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai);

describe('ordering and honest state across a worker crash', () => {
  it('an answer lost with its worker still counts: an older update sent afterwards is superseded, never applied after the newer', async () => {
    const { t, portal, workerConfig } = await apiAndPortal();
    const doomed = startWorker(workerConfig);
    await doomed.waitForOutput(/Gateway \(worker\) listening on/);

    const dossierCode = statusUpdate().dossierCode as string;
    // The portal applies the progress update, then holds its answer far beyond the worker's life.
    await portal.faults({ answerLateAfterApply: { service: 'CapNhatTienDoHoSoMC', count: 1, ms: 30_000 } });
    const newer = await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: '2026-11-23T11:00:00+07:00' }) });
    await expect.poll(() => statusesAtPortal(portal, dossierCode), { timeout: 15_000 }).toEqual(['9']);
    await doomed.kill('SIGKILL');

    // A province resends an older status of the same dossier while nothing has recorded the newer one's delivery.
    const older = await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T09:00:00+07:00' }) });
    await portal.faults({});
    startWorker(workerConfig);

    const [olderView, newerView] = await Promise.all([
      t.waitForState(older.body.messageId, ['superseded', 'delivered'], 30_000),
      t.waitForState(newer.body.messageId, ['delivered', 'superseded'], 30_000),
    ]);
    expect(olderView.state).toBe('superseded');
    expect(newerView.state).toBe('delivered');
    // The newer one may be applied again (its answer was lost, so it was sent again), the older one never.
    const received = await statusesAtPortal(portal, dossierCode);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.every((status) => status === '9')).toBe(true);
  }, 60_000);

  // The worker does not wait between its records and the release and completion sent behind them (one server runs
  // them in order): it dies with the records written and the rest done or not, and every such prefix must end well.
  it('a delivery recorded, its release and completion sent behind it, is "delivered" after the crash: not superseded, not sent again', async () => {
    const { t, portal, workerConfig } = await apiAndPortal();
    const doomed = startWorker(workerConfig, { GATEWAY_FAILPOINTS: 'delivery:after-delivered-record' });
    await doomed.waitForOutput(/Gateway \(worker\) listening on/);

    const dossierCode = statusUpdate().dossierCode as string;
    const first = await t.send({ doc: statusUpdate({ dossierCode, status: 5, statusTime: '2026-11-23T11:00:00+07:00' }) });
    await expect.poll(() => doomed.child.signalCode, { timeout: 15_000 }).toBe('SIGKILL');
    expect(await statusesAtPortal(portal, dossierCode)).toEqual(['5']);

    // A newer update arrives before the first one's job is found stalled: it may well be delivered first.
    const second = await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: '2026-11-23T12:00:00+07:00' }) });
    startWorker(workerConfig);

    const [firstView, secondView] = await Promise.all([
      t.waitForState(first.body.messageId, ['delivered', 'superseded'], 30_000),
      t.waitForState(second.body.messageId, ['delivered', 'superseded'], 30_000),
    ]);
    expect(firstView.state).toBe('delivered');
    expect(secondView.state).toBe('delivered');
    expect(await statusesAtPortal(portal, dossierCode)).toEqual(['5', '9']);
    expect(firstView.history.filter((h) => h.outcome === 'delivered')).toHaveLength(1);
  }, 60_000);
});
