import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MessageLog } from '../../src/audit/message-log.ts';
import { circuitTransitions } from '../helpers/circuit-log.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    overrides: {
      destinations: {
        'national-portal': {
          retry: { maxAgeMs: 30_000, baseDelayMs: 100, maxDelayMs: 300 },
          circuitBreaker: { failureThreshold: 3, openMs: 1500 },
        },
      },
    },
  });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.drain();
  await t.portal.reset();
});

const statusesReceived = async (dossierCode: string) =>
  (await t.portal.progressFor(dossierCode)).map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai);

describe('per-dossier ordering', () => {
  it('marks an update older than one already delivered as superseded and never sends it', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const newer = await t.send({ doc: statusUpdate({ dossierCode, status: 5, statusTime: '2026-11-23T10:00:00+07:00' }) });
    await t.waitForState(newer.body.messageId, ['delivered']);
    const older = await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T09:00:00+07:00' }) });
    const view = await t.waitForState(older.body.messageId, ['superseded']);
    expect(view.attempts).toBe(1);
    expect(await statusesReceived(dossierCode as string)).toEqual(['5']);
    // The message log has its outcome (what a partner is told once the job is trimmed), and no body: nothing was sent.
    const redis = new Redis(t.config.redis.url!);
    const messageLog = new MessageLog(redis, t.config.redis.prefix, t.config.messageLog.piiSalt, t.config.messageLog.archive.directory);
    const outcomes = await until('the superseded outcome sealed in the message log', () => messageLog.redisRecordsOf(older.body.messageId), (records) => records.some((r) => r.direction === 'outbound'));
    expect(outcomes.filter((r) => r.direction === 'outbound')).toEqual([expect.objectContaining({ outcome: 'superseded', destination: 'national-portal' })]);
    expect(outcomes.find((r) => r.direction === 'outbound')).not.toHaveProperty('body');
    redis.disconnect();
  });

  it('an older update stuck in retry is superseded once a newer one is delivered, never sent after it', async () => {
    const dossierCode = statusUpdate().dossierCode;
    await t.portal.faults({ failNext: 1, status: 503 });
    const older = await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T09:00:00+07:00' }) });
    await expect.poll(async () => (await t.status(older.body.messageId)).attempts).toBeGreaterThan(0);
    const newer = await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: '2026-11-23T11:00:00+07:00' }) });
    const [olderView] = await Promise.all([
      t.waitForState(older.body.messageId, ['superseded', 'delivered']),
      t.waitForState(newer.body.messageId, ['delivered']),
    ]);
    // Whichever won the race, the portal never sees 4 after 9, and 4 was sent only if it was not superseded.
    const received = await statusesReceived(dossierCode as string);
    expect(received).toEqual(olderView.state === 'superseded' ? ['9'] : ['4', '9']);
  });

  it('after a call left unanswered, the dossier waits until a slow portal could have applied it: no newer update overtakes it', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const first = await t.send({ doc: statusUpdate({ dossierCode, status: 3, statusTime: '2026-11-23T08:00:00+07:00' }) });
    await t.waitForState(first.body.messageId, ['delivered']); // the portal has the dossier: an update is one call
    const callsBefore = (await t.portal.received()).stats.calls;
    // The portal takes 3 s to apply this one; the gateway gives up after its 2 s timeout, and the portal applies it anyway.
    await t.portal.faults({ latencyMs: 3000 });
    const slow = await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T09:00:00+07:00' }) });
    await until('the slow update in flight at the portal', async () => (await t.portal.received()).stats.calls, (calls) => calls > callsBefore);
    await t.portal.faults({});
    const newer = await t.send({ doc: statusUpdate({ dossierCode, status: 5, statusTime: '2026-11-23T10:00:00+07:00' }) });
    await Promise.all([t.waitForState(slow.body.messageId, ['delivered', 'superseded']), t.waitForState(newer.body.messageId, ['delivered'])]);
    // The slow call is applied late, and the message's own retry once more: two 4s once the portal is done with it.
    await until('the late application of the slow call', () => statusesReceived(dossierCode as string), (s) => s.filter((x) => x === '4').length >= 2);
    await t.drain();
    const received = await statusesReceived(dossierCode as string);
    expect(received.at(-1)).toBe('5');
    expect(received).toEqual([...received].sort()); // never 4 after 5
  });

  it('delivers many updates of one dossier sent at once in status-time order or supersedes the stale ones', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const times = [1, 2, 3, 4, 5, 6, 7, 8].map((h) => `2026-11-23T${String(h).padStart(2, '0')}:00:00+07:00`);
    const sent = await Promise.all(times.map((statusTime, i) => t.send({ doc: statusUpdate({ dossierCode, status: (i % 10) + 1, statusTime }) })));
    await Promise.all(sent.map((r) => t.waitForState(r.body.messageId, ['delivered', 'superseded'])));
    const received = (await t.portal.progressFor(dossierCode as string)).map((e) => (e.payload.data as Array<{ ThoiDiemXuLy: string }>)[0]!.ThoiDiemXuLy);
    expect(received.length).toBeGreaterThan(0);
    expect(received).toEqual([...received].sort());
    expect(received.at(-1)).toBe('20261123080000');
  });
});

describe('circuit breaker', () => {
  // A gateway of its own that calls the portal one message at a time: what the portal receives is then exactly what
  // the breaker let through (three failures open it, nothing else is in flight).
  let b: TestGateway;
  beforeAll(async () => {
    b = await startTestGateway({
      overrides: {
        destinations: {
          'national-portal': { concurrency: 1, retry: { maxAgeMs: 30_000, baseDelayMs: 100, maxDelayMs: 300 }, circuitBreaker: { failureThreshold: 3, openMs: 1500 } },
        },
      },
    });
  });
  afterAll(() => b?.close());

  it('stops calling a failing portal while open, then probes and delivers everything once it recovers', async () => {
    await b.portal.faults({ failNext: 1000, status: 503 });
    const sent = await Promise.all([1, 2, 3, 4, 5].map(() => b.send()));
    const transitions = () => circuitTransitions(b.logs, { destination: 'national-portal' });
    // The positive signs that the open circuit had its chance to let calls through: a message due while it was open was
    // taken up and held back without a call, and a whole open window went by (open, half-open, the probe failed, open).
    await until('a message held back by the open circuit', () => Promise.all(sent.map((r) => b.status(r.body.messageId))), (views) =>
      views.some((v) => v.history.some((h) => h.outcome === 'circuit-open')),
    );
    await until('the circuit to open, probe once and open again', async () => transitions().map((x) => x.state), (s) => s.slice(0, 3).join() === 'open,half-open,open');
    const calls = (await b.portal.received()).stats.calls;
    const [opened, halfOpen] = transitions();
    expect(halfOpen!.time - opened!.time).toBeGreaterThanOrEqual(1500); // open for its whole window
    // Three calls opened it; every call since was a probe, one per half-open (read after the calls, so none is missed).
    expect(calls).toBeLessThanOrEqual(3 + transitions().filter((x) => x.state === 'half-open').length);

    await b.portal.faults({});
    const views = await Promise.all(sent.map((r) => b.waitForState(r.body.messageId, ['delivered'], 20_000)));
    expect(views.every((v) => v.state === 'delivered')).toBe(true);
    expect(await b.portal.progressRecords()).toHaveLength(5);
  });
});
