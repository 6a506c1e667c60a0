import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { w3cTraceIdOf } from '../../src/observability/trace-context.ts';
import { until } from '../helpers/until.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

/** The gateway's log lines as objects (the test gateway's logger writes JSON: its sink is not a terminal). */
type LogLine = { level: number; msg: string; traceId?: string; messageId?: string; reqId?: string; req?: { url?: string } };

let t: TestGateway;
beforeAll(async () => {
  // Debug, so the test sees where health and metrics lines went, not only that info has none.
  t = await startTestGateway({ logLevel: 'debug' });
});
afterAll(() => t.close());

const lines = (): LogLine[] => t.logs.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as LogLine);

describe('trace context', () => {
  it('takes the trace id of a W3C traceparent into the api and worker log lines of the message, and sends it on in a traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerParent = randomBytes(8).toString('hex');
    const doc = statusUpdate();
    const sent = await t.send({ doc, headers: { traceparent: `00-${traceId}-${callerParent}-01` } });
    expect(sent.statusCode).toBe(202);
    const messageId = sent.body.messageId as string;
    await t.waitForState(messageId, ['delivered']);

    const ofMessage = await until('the worker logged the delivery', async () => lines().filter((l) => l.messageId === messageId), (found) => found.some((l) => l.msg === 'delivered'));
    const accepted = ofMessage.find((l) => l.msg === 'accepted')!; //  the api's line
    const delivered = ofMessage.find((l) => l.msg === 'delivered')!; // the worker's line
    expect(accepted.traceId).toBe(traceId);
    expect(delivered.traceId).toBe(traceId);
    expect(ofMessage.every((l) => l.traceId === traceId)).toBe(true);
    // fastify's own lines of that request carry it too (bound before any hook ran).
    const requestLines = lines().filter((l) => l.reqId === accepted.reqId);
    expect(requestLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    expect(requestLines.every((l) => l.traceId === traceId)).toBe(true);

    // Every call made at the portal for this message: the same trace id, a parent id of the gateway's own.
    const calls = await t.portal.effectsFor(doc.dossierCode as string);
    expect(calls.map((c) => c.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
    for (const call of calls) {
      expect(call.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(call.traceparent).not.toContain(callerParent);
      expect(call.traceId).toBe(traceId); // X-Trace-Id, as before
    }
  });

  it('still takes an X-Trace-Id when no traceparent comes, and sends a W3C form of it along', async () => {
    const legacy = `case-${randomBytes(6).toString('hex')}`;
    const doc = statusUpdate();
    const sent = await t.send({ doc, headers: { 'x-trace-id': legacy, traceparent: '00-00000000000000000000000000000000-0000000000000000-01' } });
    await t.waitForState(sent.body.messageId, ['delivered']);
    const [sync] = await t.portal.effectsFor(doc.dossierCode as string);
    expect(sync!.traceId).toBe(legacy);
    expect(sync!.traceparent).toMatch(new RegExp(`^00-${w3cTraceIdOf(legacy)}-[0-9a-f]{16}-01$`));
    expect(lines().find((l) => l.msg === 'accepted' && l.messageId === sent.body.messageId)!.traceId).toBe(legacy);
  });
});

describe('health and metrics requests', () => {
  it('are logged at debug, never at info', async () => {
    for (const path of ['/metrics', '/health/live', '/health/ready']) expect((await request(`${t.url}${path}`)).statusCode).toBe(200);
    // A partner's request after them: its lines are at info, and once its "request completed" is written, the
    // probes' lines (written before it) are all there to be read.
    const after = await request(`${t.url}/v1/messages/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    await after.body.dump();
    const probeIds = await until(
      'the three probes and the later request were logged',
      async () => {
        const all = lines();
        const incoming = all.filter((l) => l.msg === 'incoming request');
        const later = incoming.find((l) => l.req?.url?.startsWith('/v1/messages/00000000'));
        const done = later && all.some((l) => l.reqId === later.reqId && l.msg === 'request completed');
        return done ? incoming.filter((l) => /^\/(metrics|health\/)/.test(l.req?.url ?? '')).map((l) => l.reqId) : [];
      },
      (ids) => ids.length >= 3,
    );
    const probeLines = lines().filter((l) => probeIds.includes(l.reqId));
    expect(probeLines.filter((l) => l.msg === 'request completed')).toHaveLength(probeIds.length);
    expect(probeLines.every((l) => l.level === 20)).toBe(true); // debug
    const later = lines().filter((l) => l.req?.url?.startsWith('/v1/messages/00000000'));
    expect(later.map((l) => l.level)).toEqual([30]); // a partner's request is still at info
  });
});
