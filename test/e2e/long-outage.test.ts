import { afterEach, describe, expect, it } from 'vitest';
import { OutageLink } from '../../chaos/outage-link.ts';
import { PortalSimulator, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * A 30-minute portal outage, in compressed time. The production defaults (retry for 24 h, first retry after 1 s,
 * at most every 10 min; circuit open for 30 s after 5 failures) are divided by 300: the outage lasts 6 s, the
 * budget 288 s. Under the old count budget (8 attempts ≈ 127 s, here 0.4 s) every message here would be dead.
 */
const compressed = {
  delivery: { dossierLockMs: 1000 },
  destinations: {
    'national-portal': {
      retry: { maxAgeMs: 288_000, baseDelayMs: 5, maxDelayMs: 2000 },
      circuitBreaker: { failureThreshold: 5, openMs: 100 },
    },
  },
};
const outageMs = 6000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayBehindALink(): Promise<{ t: TestGateway; portal: PortalSimulator; link: OutageLink }> {
  const portal = await PortalSimulator.start();
  cleanups.push(() => portal.close());
  const link = await OutageLink.start(portal.url);
  cleanups.push(() => link.close());
  const t = await startTestGateway({ portal, overrides: { ...compressed, destinations: { 'national-portal': { ...compressed.destinations['national-portal'], baseUrl: link.url } } } });
  cleanups.push(() => t.close());
  return { t, portal, link };
}

const hour = (h: number) => `2026-11-23T${String(h).padStart(2, '0')}:00:00+07:00`;
const progressTimes = (effects: Awaited<ReturnType<PortalSimulator['received']>>['effects']) => {
  const byDossier = new Map<string, string[]>();
  for (const e of effects.filter((e) => e.service === 'CapNhatTienDoHoSoMC')) {
    // One call may carry the progress of several dossiers (a list): every record is one update applied.
    for (const record of e.payload.data as Array<{ MaHoSo: string; ThoiDiemXuLy: string }>) byDossier.set(record.MaHoSo, [...(byDossier.get(record.MaHoSo) ?? []), record.ThoiDiemXuLy]);
  }
  return byDossier;
};

describe('a long outage of the portal', () => {
  it("a quiet province's three updates survive it: all delivered afterwards, nothing dead", async () => {
    const { t, portal, link } = await gatewayBehindALink();
    link.cut();
    const docs = [1, 2, 3].map(() => statusUpdate());
    const sent = await Promise.all(docs.map((doc) => t.send({ doc })));
    expect(sent.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    // The outage is seen: every message has failed at least once and waits for its next attempt.
    await expect.poll(async () => Promise.all(sent.map(async (r) => (await t.status(r.body.messageId)).attempts > 0)), { timeout: 5000 }).toEqual([true, true, true]);
    await new Promise((r) => setTimeout(r, outageMs)); // the outage itself: a duration, not a wait for something
    const during = await Promise.all(sent.map((r) => t.status(r.body.messageId)));
    expect(during.map((v) => v.state)).toEqual(['delivering', 'delivering', 'delivering']);
    link.restore();

    const views = await Promise.all(sent.map((r) => t.waitForState(r.body.messageId, ['delivered', 'dead'], 20_000)));
    expect(views.map((v) => v.state)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const doc of docs) expect(await portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    // The circuit opened during it: messages were held without a call (circuit-open lines next to the failed
    // attempts), and neither the probes nor the refusals cost them anything but time.
    expect(views.every((v) => v.history.some((h) => h.outcome === 'retry'))).toBe(true);
    expect(views.some((v) => v.history.some((h) => h.outcome === 'circuit-open'))).toBe(true);
  }, 60_000);

  it('3,000 updates of 1,000 dossiers sent during it: nothing dead, each dossier in order, its newest status last', async () => {
    const { t, portal, link } = await gatewayBehindALink();
    link.cut();
    const cutAt = Date.now();
    const dossiers = Array.from({ length: 1000 }, () => statusUpdate().dossierCode as string);
    // Each dossier's three updates are sent in time order, the dossiers interleaved, 25 requests in flight.
    const docs = [1, 2, 3].flatMap((h) => dossiers.map((dossierCode) => statusUpdate({ dossierCode, status: h + 2, statusTime: hour(h + 7) })));
    const codes: number[] = [];
    for (let i = 0; i < docs.length; i += 25) {
      const batch = await Promise.all(docs.slice(i, i + 25).map((doc) => t.send({ doc })));
      codes.push(...batch.map((r) => r.statusCode));
    }
    expect(codes.filter((c) => c !== 202)).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(0, outageMs - (Date.now() - cutAt))));
    expect((await t.jobCounts()).completed).toBe(0);
    link.restore();

    await expect.poll(async () => (await t.jobCounts()).completed, { timeout: 120_000, interval: 500 }).toBe(3000);
    expect((await t.jobCounts()).failed).toBe(0);
    const times = progressTimes((await portal.received()).effects);
    expect(times.size).toBe(1000);
    for (const code of dossiers) {
      const applied = times.get(code)!;
      expect(applied).toEqual([...new Set(applied)].sort()); // never an older status after a newer one, none twice
      expect(applied.at(-1)).toBe('20261123100000');
    }
  }, 240_000);
});
