import { describe, expect, it, vi } from 'vitest';
import { PortalRefusal, type IntegrationCallExtras, type PortalIntegration } from '../../connectors/national-portal/integration.ts';
import { ProgressBatcher } from '../../connectors/national-portal/progress-batcher.ts';
import { DeliveryError } from '../../src/delivery/delivery-error.ts';
import { until } from '../helpers/until.ts';

/** A portal integration that records each call and answers as told; calls stay open until released. */
class FakeIntegration {
  readonly calls: Array<{ service: string; codes: string[]; extras: IntegrationCallExtras; release: (err?: Error) => void }> = [];
  answer: (codes: string[]) => Error | undefined = () => undefined;
  holdCalls = false;

  call(service: string, fields: Record<string, unknown>, extras: IntegrationCallExtras = {}): Promise<Record<string, unknown>> {
    const codes = (fields.data as Array<{ MaHoSo: string }>).map((r) => r.MaHoSo);
    return new Promise((resolve, reject) => {
      const release = (err = this.answer(codes)) => (err ? reject(err) : resolve({ error_code: 0 }));
      this.calls.push({ service, codes, extras, release });
      if (!this.holdCalls) release();
    });
  }
}

const record = (code: string) => ({ MaHoSo: code, TrangThai: '4' });
const settle = <T>(p: Promise<T>) => p.then(() => 'sent', (err: Error) => err);
const sign = (body: Buffer) => `signed:${body.length}`;
/** The end of the event loop's current turn: where the batcher places what was sent in it. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A batcher whose first record (A) went alone, at the end of its turn, in a call the portal holds; then `codes` sent
 * while it is out, waiting behind it (the call is busy and not yet slow). Each record carries its trace id, trace-<code>.
 */
async function behindAHeldCall(codes: string[], options: { maxRecords?: number; sign?: (body: Buffer) => string; secondCallAfterMs?: number } = {}) {
  const portal = new FakeIntegration();
  portal.holdCalls = true;
  const batcher = new ProgressBatcher(portal as unknown as PortalIntegration, options.maxRecords ?? 8, options.sign, options.secondCallAfterMs ?? 60_000);
  const traced = (code: string) => batcher.send(record(code), { traceId: `trace-${code.toLowerCase()}` });
  const first = traced('A');
  await nextTurn();
  expect(portal.calls.map((c) => c.codes)).toEqual([['A']]); // no waiting for company beyond its own turn
  const waiting = codes.map(traced);
  await nextTurn();
  expect(portal.calls.map((c) => c.codes)).toEqual([['A']]); // the call is busy (and not slow): the others wait
  return { portal, batcher, first, waiting };
}

describe('progress updates of several dossiers in one portal call', () => {
  it('a lone update goes at the end of its turn, alone; updates that arrive while a call is in flight go together in the next', async () => {
    const { portal, first, waiting } = await behindAHeldCall(['B', 'C', 'D', 'E'], { sign });
    portal.calls[0]!.release();
    await first;
    await nextTurn();
    expect(portal.calls.map((c) => c.codes)).toEqual([['A'], ['B', 'C', 'D', 'E']]);
    expect(portal.calls[1]!.service).toBe('CapNhatTienDoHoSoMC');
    expect(portal.calls[1]!.extras.traceId).toBe('trace-b'); // a traceparent names one trace: the list's first message's
    expect(portal.calls[1]!.extras.sign).toBe(sign); // one signature, over the whole list
    portal.calls[1]!.release();
    expect(await Promise.all(waiting.map(settle))).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it('updates sent in the same turn (jobs freed by one Redis read) go in one call, signed once', async () => {
    const portal = new FakeIntegration();
    const batcher = new ProgressBatcher(portal as unknown as PortalIntegration, 8, sign, 60_000);
    const sent = ['A', 'B', 'C'].map((code) => batcher.send(record(code), { traceId: `trace-${code.toLowerCase()}` }));
    expect(portal.calls).toHaveLength(0); // placed at the end of the turn, not the instant the first arrives
    expect(await Promise.all(sent.map(settle))).toEqual(['sent', 'sent', 'sent']);
    expect(portal.calls.map((c) => c.codes)).toEqual([['A', 'B', 'C']]);
    expect(portal.calls[0]!.extras).toMatchObject({ traceId: 'trace-a', sign });
  });

  it('a call that hangs holds the others only until it is slow: then they go in a second call, and never a third', async () => {
    const { portal, batcher, first: hung, waiting: behind } = await behindAHeldCall(['B', 'C'], { sign, secondCallAfterMs: 50 });
    // No other record arrives: the slow call alone opens the second lane.
    await until('a second call once the first is slow', async () => portal.calls.map((c) => c.codes), (calls) => calls.length === 2);
    expect(portal.calls.map((c) => c.codes)).toEqual([['A'], ['B', 'C']]);
    const later = batcher.send(record('D'));
    await nextTurn();
    // Two calls are out, and two is the most, so D waits.
    expect(portal.calls).toHaveLength(2);
    portal.calls[1]!.release();
    expect(await Promise.all(behind.map(settle))).toEqual(['sent', 'sent']);
    await until('D sent once a call ended', async () => portal.calls.map((c) => c.codes), (calls) => calls.length === 3);
    expect(portal.calls.map((c) => c.codes)).toEqual([['A'], ['B', 'C'], ['D']]);
    portal.calls[0]!.release();
    portal.calls[2]!.release();
    expect(await Promise.all([hung, later].map(settle))).toEqual(['sent', 'sent']);
  });

  it('a hung call turns slow when its timer says so, whatever the wall clock reads (it may lag the timers)', async () => {
    // Date.now() frozen: a wall clock that reads 49 ms when a 50 ms timer fires, to the extreme. The batcher compared
    // it with the send time, found the call not slow, and the others waited for the hung call's end.
    const frozen = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    try {
      const { portal } = await behindAHeldCall(['B'], { secondCallAfterMs: 20 });
      const deadline = performance.now() + 10_000;
      while (portal.calls.length < 2 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(portal.calls.map((c) => c.codes)).toEqual([['A'], ['B']]);
      for (const call of portal.calls) call.release();
    } finally {
      frozen.mockRestore();
    }
  });

  it('never more than maxRecords in one call', async () => {
    const portal = new FakeIntegration();
    portal.holdCalls = true;
    const batcher = new ProgressBatcher(portal as unknown as PortalIntegration, 3, undefined, 60_000);
    const sent = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'].map((code) => batcher.send(record(code)));
    await nextTurn();
    expect(portal.calls.map((c) => c.codes)).toEqual([['A', 'B', 'C']]);
    portal.calls[0]!.release();
    await nextTurn();
    expect(portal.calls.map((c) => c.codes)).toEqual([['A', 'B', 'C'], ['D', 'E', 'F']]);
    portal.holdCalls = false;
    portal.calls[1]!.release();
    expect(new Set(await Promise.all(sent.map(settle)))).toEqual(new Set(['sent']));
    expect(portal.calls.map((c) => c.codes)).toEqual([['A', 'B', 'C'], ['D', 'E', 'F'], ['G', 'H', 'I'], ['J']]);
  });

  it('a list the portal refuses is asked again one record at a time: only the refused record fails', async () => {
    const { portal, first: a, waiting: rest } = await behindAHeldCall(['B', 'C', 'BAD', 'D']);
    portal.answer = (codes) => (codes.includes('BAD') ? new PortalRefusal('national-portal refused CapNhatTienDoHoSoMC: {"error_code":2}', 200, '{"error_code":2}') : undefined);
    portal.holdCalls = false;
    portal.calls[0]!.release();
    const results = await Promise.all([a, ...rest].map(settle));
    expect(results.slice(0, 3)).toEqual(['sent', 'sent', 'sent']);
    expect(results[3]).toBeInstanceOf(PortalRefusal);
    expect(results[4]).toBe('sent');
    expect(portal.calls.map((c) => c.codes)).toEqual([['A'], ['B', 'C', 'BAD', 'D'], ['B'], ['C'], ['BAD'], ['D']]);
  });

  it('a call that fails otherwise fails every record it carried, with the same error (no answer: any may have been applied)', async () => {
    const { portal, first, waiting: together } = await behindAHeldCall(['C', 'D']);
    const timeout = new DeliveryError('national-portal: no answer within 10000 ms', true);
    portal.calls[0]!.release();
    await first;
    await nextTurn();
    portal.calls[1]!.release(timeout);
    expect(await Promise.all(together.map(settle))).toEqual([timeout, timeout]);
    expect(portal.calls).toHaveLength(2); // not asked again record by record: only a refusal is split
  });
});

describe('a record whose dossier claim lapsed while it waited (Redis away for a lock period)', () => {
  it('is not sent, and does not hold back the others; a list leaves only while every member\'s claim holds', async () => {
    const portal = new FakeIntegration();
    portal.holdCalls = true;
    const batcher = new ProgressBatcher(portal as unknown as PortalIntegration, 8, sign, 60_000);
    const first = batcher.send(record('A'));
    await nextTurn();
    const [b, c] = [new AbortController(), new AbortController()];
    const waiting = [batcher.send(record('B'), { notAfter: b.signal }), batcher.send(record('C'), { notAfter: c.signal })].map(settle);
    await nextTurn();
    c.abort(new Error('claim of C lapsed'));
    portal.calls[0]!.release();
    await first;
    await nextTurn();
    expect(portal.calls.map((call) => call.codes)).toEqual([['A'], ['B']]);
    // B's claim goes with its call to the transport, which checks it right before the request leaves.
    expect(portal.calls[1]!.extras.notAfter).toBe(b.signal);
    portal.calls[1]!.release();
    expect(await Promise.all(waiting)).toEqual(['sent', new Error('claim of C lapsed')]);
  });
});
