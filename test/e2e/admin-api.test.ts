import { Redis } from 'ioredis';
import { MessageLog } from '../../src/audit/message-log.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminCall, adminConfig, adminTokens, makeDeadLetter, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    // A long timeout: the pause test keeps a call at a slow portal for a while and must not see it time out.
    overrides: { admins: adminConfig, destinations: { 'national-portal': { timeoutMs: 10_000, retry: { maxAgeMs: 300, baseDelayMs: 20, maxDelayMs: 50 } } } },
  });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.drain();
  await t.portal.reset();
});

const viewer = (method: 'GET' | 'POST', path: string, body?: unknown) => adminCall(t, adminTokens.viewer, method, path, body);
const operator = (method: 'GET' | 'POST', path: string, body?: unknown) => adminCall(t, adminTokens.operator, method, path, body);

const deadLetter = (status: number, doc = statusUpdate()) => makeDeadLetter(t, status, doc);

const lastAudit = async () => (await viewer('GET', '/audit?limit=1')).body.entries[0];

describe('access', () => {
  it('refuses requests without an admin token, partner API keys included', async () => {
    expect((await adminCall(t, null, 'GET', '/queues')).statusCode).toBe(401);
    expect((await adminCall(t, t.apiKey, 'GET', '/queues')).statusCode).toBe(401);
  });

  it('lets a viewer look but not act: retry is 403 ROLE_FORBIDDEN, the dead letter stays, nothing is audited', async () => {
    const messageId = await deadLetter(400);
    const auditBefore = (await viewer('GET', '/audit')).body.entries.length;
    expect((await viewer('GET', '/dead-letters')).statusCode).toBe(200);
    const res = await viewer('POST', `/dead-letters/${messageId}/retry`, { reason: 'try again' });
    expect(res).toMatchObject({ statusCode: 403, body: { error: 'ROLE_FORBIDDEN' } });
    expect((await t.status(messageId)).state).toBe('dead');
    expect((await viewer('GET', '/audit')).body.entries.length).toBe(auditBefore);
  });

  it('requires a reason for every operator action', async () => {
    const messageId = await deadLetter(400);
    const res = await operator('POST', `/dead-letters/${messageId}/retry`, {});
    expect(res).toMatchObject({ statusCode: 400, body: { error: 'SCHEMA_INVALID' } });
  });
});

describe('dead letters', () => {
  it('lists them with filters by error code, status and dossier', async () => {
    const dossierCode = statusUpdate().dossierCode as string;
    const permanent = await deadLetter(400, statusUpdate({ dossierCode }));
    const exhausted = await deadLetter(502);
    const byDossier = (await viewer('GET', `/dead-letters?dossierCode=${encodeURIComponent(dossierCode)}`)).body.deadLetters;
    expect(byDossier).toEqual([
      expect.objectContaining({ messageId: permanent, errorCode: 'PERMANENT', statusCode: 400, partner: 'province-a', destination: 'national-portal', attempts: 1 }),
    ]);
    const exhaustedOnes = (await viewer('GET', '/dead-letters?errorCode=RETRIES_EXHAUSTED')).body.deadLetters;
    expect(exhaustedOnes.map((d: { messageId: string }) => d.messageId)).toContain(exhausted);
    expect(exhaustedOnes.every((d: { errorCode: string }) => d.errorCode === 'RETRIES_EXHAUSTED')).toBe(true);
    expect(exhaustedOnes.find((d: { messageId: string }) => d.messageId === exhausted)).toMatchObject({
      statusCode: 502,
      reason: expect.stringMatching(/^RETRIES_EXHAUSTED after \d+ attempts in [\d.]+ s \(max age 0\.3 s\): HTTP 502/),
    });
  });

  it('shows a message in full, every attempt included, without personal data', async () => {
    const messageId = await deadLetter(400);
    const detail = (await viewer('GET', `/messages/${messageId}`)).body;
    expect(detail).toMatchObject({ state: 'dead', attempts: 1, history: [expect.objectContaining({ outcome: 'permanent', statusCode: 400 })] });
    expect(detail.envelope.payload.applicant).toBe('[redacted]');
    expect(JSON.stringify(detail)).not.toContain('079188004321');
  });

  it('retries one: it is delivered with a fresh retry budget, and the action is audited', async () => {
    const messageId = await deadLetter(502);
    // Its age is already past the budget: only a budget counted from the retry lets it survive one more failure.
    await t.portal.faults({ failNext: 1, status: 503 });
    const res = await operator('POST', `/dead-letters/${messageId}/retry`, { reason: 'portal fixed its certificate' });
    expect(res.body).toEqual({ retried: 1 });
    const view = await t.waitForState(messageId, ['delivered', 'dead']);
    expect(view.state).toBe('delivered');
    expect(view.attempts).toBe(2);
    expect(await lastAudit()).toMatchObject({ actor: 'it-operator', role: 'operator', action: 'retry', target: messageId, reason: 'portal fixed its certificate', count: 1 });
  });

  it('discards one with a reason: gone from the dead letters, still "dead" with the reason for its partner', async () => {
    const messageId = await deadLetter(400);
    expect((await operator('POST', `/dead-letters/${messageId}/discard`, { reason: 'duplicate of a dossier entered by hand' })).body).toEqual({ discarded: 1 });
    const list = (await viewer('GET', '/dead-letters')).body.deadLetters.map((d: { messageId: string }) => d.messageId);
    expect(list).not.toContain(messageId);
    const partnerView = await t.status(messageId);
    expect(partnerView).toMatchObject({ state: 'dead', lastError: expect.stringContaining('DISCARDED by it-operator: duplicate of a dossier entered by hand') });
    expect(await lastAudit()).toMatchObject({ action: 'discard', target: messageId, count: 1 });
  });
});

describe('refusals an operator can act on', () => {
  it('a misspelt filter or flag is refused naming it, never read as "no filter" (which retried every dead letter)', async () => {
    const messageId = await deadLetter(400);
    const misspelt = await operator('POST', '/dead-letters/retry', { dossier: 'HS-001', reason: 'only this dossier' });
    expect(misspelt).toMatchObject({ statusCode: 400, body: { error: 'SCHEMA_INVALID', details: [{ path: '/dossier', message: 'is not allowed' }] } });
    const countOnly = await operator('POST', '/dead-letters/retry', { dry_run: true, reason: 'how many?' });
    expect(countOnly).toMatchObject({ statusCode: 400, body: { details: [{ path: '/dry_run' }] } });
    expect((await viewer('GET', '/dead-letters?dossier=HS-001')).body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/dossier' }] });
    expect((await t.status(messageId)).state).toBe('dead');
  });

  it('a path the router refuses answers in the gateway\'s error shape', async () => {
    expect(await viewer('GET', `/messages/${'a'.repeat(200)}`)).toMatchObject({ statusCode: 414, body: { error: 'URL_TOO_LONG', details: [{ path: '/url' }] } });
    expect(await viewer('GET', '/messages/%E0%A4%A')).toMatchObject({ statusCode: 400, body: { error: 'URL_INVALID' } });
  });

  it('a discarded dead letter keeps its Idempotency-Key: the same message again is a duplicate, another body a conflict', async () => {
    const doc = statusUpdate();
    await t.portal.faults({ failNext: 100_000, status: 400 });
    const sent = await t.send({ doc, headers: { 'idempotency-key': `discard-${doc.dossierCode}` } });
    await t.waitForState(sent.body.messageId, ['dead']);
    await t.portal.faults({});
    await operator('POST', `/dead-letters/${sent.body.messageId}/discard`, { reason: 'entered by hand at the portal' });
    const again = await t.send({ doc, headers: { 'idempotency-key': `discard-${doc.dossierCode}` } });
    expect(again).toMatchObject({ statusCode: 200, body: { messageId: sent.body.messageId, duplicate: true } });
    const other = await t.send({ doc: { ...doc, note: 'corrected' }, headers: { 'idempotency-key': `discard-${doc.dossierCode}` } });
    expect(other).toMatchObject({ statusCode: 409, body: { error: 'IDEMPOTENCY_CONFLICT' } });
    expect(await t.portal.progressFor(doc.dossierCode as string)).toEqual([]);
  });

  it('a superseded message (never sent) is not replayed', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const newer = (await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: '2026-11-23T15:00:00+07:00' }) })).body.messageId;
    await t.waitForState(newer, ['delivered']);
    const older = (await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T10:00:00+07:00' }) })).body.messageId;
    await t.waitForState(older, ['superseded']);
    const res = await operator('POST', `/messages/${older}/replay`, { reason: 'portal lost it' });
    expect(res).toMatchObject({ statusCode: 404, body: { error: 'NOT_FOUND', message: expect.stringContaining('superseded') } });
  });
});

describe('replay and pause', () => {
  it('a message delivered longer ago than retention.deliveredMs is not replayed, even if its job outlived it on a quiet queue', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const older = (await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: '2026-11-23T10:00:00+07:00' }) })).body.messageId;
    await t.waitForState(older, ['delivered']);
    const newer = (await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: '2026-11-23T15:00:00+07:00' }) })).body.messageId;
    await t.waitForState(newer, ['delivered']);
    // Fifteen days on (the default retention is 14): the dossier's floor has expired, the older job is still there
    // (BullMQ trims completed jobs only when another completes) and was finished that long ago.
    const redis = new Redis(t.config.redis.url!);
    try {
      const job = t.gateway.queues.get('national-portal').toKey(older);
      await redis.hset(job, 'finishedOn', String(Date.now() - 15 * 24 * 3600_000));
      const floors = await redis.keys(`${t.config.redis.prefix}:dossier:{national-portal:${dossierCode}}:*`);
      if (floors.length) await redis.del(...floors);
    } finally {
      redis.disconnect();
    }
    const res = await operator('POST', `/messages/${older}/replay`, { reason: 'portal lost it' });
    expect(res).toMatchObject({ statusCode: 404, body: { error: 'NOT_FOUND', message: expect.stringContaining('retention.deliveredMs (336 h)') } });
    // The portal still holds the newer status as the last one: nothing older was sent after it.
    const progress = await t.portal.progressFor(dossierCode as string);
    expect(progress.map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai)).toEqual(['4', '9']);
  });

  it('a replay has a retry budget of its own, not the one of the original\'s retry long ago', async () => {
    const original = await deadLetter(502);
    await operator('POST', `/dead-letters/${original}/retry`, { reason: 'portal back' });
    await t.waitForState(original, ['delivered']);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the 300 ms budget counted from that retry
    await t.portal.faults({ failNext: 1, status: 503 });
    const replay = (await operator('POST', `/messages/${original}/replay`, { reason: 'portal lost it' })).body.messageId;
    expect((await t.waitForState(replay, ['delivered', 'dead'])).state).toBe('delivered');
  });

  it('replays a delivered message as a new one, which the portal applies again', async () => {
    const doc = statusUpdate();
    const original = (await t.send({ doc })).body.messageId;
    await t.waitForState(original, ['delivered']);
    const res = await operator('POST', `/messages/${original}/replay`, { reason: 'portal lost the update in its migration' });
    expect(res.body).toMatchObject({ replayOf: original, messageId: expect.any(String) });
    await t.waitForState(res.body.messageId, ['delivered']);
    // The portal has no idempotency key: a replay is a second progress update, by design.
    const progress = await t.portal.progressFor(doc.dossierCode as string);
    expect(progress.map((e) => (e.payload.data as Array<{ TrangThai: string }>)[0]!.TrangThai)).toEqual([String(doc.status), String(doc.status)]);
    expect(await lastAudit()).toMatchObject({ action: 'replay', target: original });
    // The replay is in the message log as a message of its own: inbound with its body, its outcome by the same digest.
    // Read through the log's own by-message index, so the replay is found the way status look-ups find it.
    const redis = new Redis(t.config.redis.url!);
    try {
      const log = new MessageLog(redis, t.config.redis.prefix, t.config.messageLog.piiSalt);
      await expect.poll(async () => (await log.redisRecordsOf(res.body.messageId)).map((r) => `${r.direction}:${r.outcome}`).sort(), { timeout: 10_000 }).toEqual(['inbound:queued', 'outbound:delivered']);
      const inboundOf = async (messageId: string) => (await log.redisRecordsOf(messageId)).find((r) => r.direction === 'inbound')!;
      const [inbound, originalInbound] = [await inboundOf(res.body.messageId), await inboundOf(original)];
      expect(inbound.body).toEqual(originalInbound.body);
      expect(inbound.bodySha256).toBe(originalInbound.bodySha256);
    } finally {
      redis.disconnect();
    }
  });

  it('pauses a destination: messages are accepted and held, then delivered on resume', async () => {
    // A message in flight when the pause comes: when it completes, the worker looks for its next job in the same step
    // (BullMQ fetches it with the completion), and the held message is waiting by then. That is the worker's chance.
    const queue = t.gateway.queues.get('national-portal');
    await t.portal.faults({ latencyMs: 2000 });
    const inFlight = (await t.send()).body.messageId as string;
    await until('the first message to reach the portal', async () => (await t.portal.received()).stats.calls, (n) => n >= 1);
    expect((await operator('POST', '/destinations/national-portal/pause', { reason: 'portal maintenance window' })).body).toEqual({ destination: 'national-portal', paused: true });
    const held = statusUpdate();
    const res = await t.send({ doc: held });
    expect(res.statusCode).toBe(202);
    expect(await queue.getJobState(inFlight)).toBe('active'); // still at the portal after the held message was stored
    await t.portal.faults({});
    await until('the message in flight to complete', () => queue.getJobState(inFlight), (s) => s === 'completed');
    expect((await t.status(res.body.messageId)).state).toBe('queued');
    expect(await queue.getJobState(res.body.messageId)).toBe('waiting');
    expect((await viewer('GET', '/queues')).body.destinations[0]).toMatchObject({ destination: 'national-portal', paused: true });
    expect(await t.portal.effectsFor(held.dossierCode as string)).toEqual([]);
    await operator('POST', '/destinations/national-portal/resume', { reason: 'maintenance over' });
    await t.waitForState(res.body.messageId, ['delivered']);
    const audit = (await viewer('GET', '/audit?limit=2')).body.entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(['resume', 'pause']);
  });
});

describe('dossier timeline', () => {
  it('lists every message about a dossier in arrival order with its state', async () => {
    const dossierCode = statusUpdate().dossierCode;
    const at = (h: number) => `2026-11-23T${String(h).padStart(2, '0')}:00:00+07:00`;
    const received = (await t.send({ doc: statusUpdate({ dossierCode, status: 2, statusTime: at(8) }) })).body.messageId;
    await t.waitForState(received, ['delivered']);
    const done = (await t.send({ doc: statusUpdate({ dossierCode, status: 9, statusTime: at(15) }) })).body.messageId;
    await t.waitForState(done, ['delivered']);
    const late = (await t.send({ doc: statusUpdate({ dossierCode, status: 4, statusTime: at(10) }) })).body.messageId;
    await t.waitForState(late, ['superseded']);
    const refused = await deadLetter(400, statusUpdate({ dossierCode, status: 10, statusTime: at(16) }));
    await t.send(); // another dossier: not in this timeline

    const timeline = (await viewer('GET', `/dossiers/${encodeURIComponent(dossierCode as string)}/timeline`)).body;
    expect(timeline.messages.map((m: { messageId: string; state: string }) => [m.messageId, m.state])).toEqual([
      [received, 'delivered'],
      [done, 'delivered'],
      [late, 'superseded'],
      [refused, 'dead'],
    ]);
    expect(timeline.messages[2]).toMatchObject({ destination: 'national-portal', partner: 'province-a', orderingTime: '2026-11-23T03:00:00.000Z' });
  });

  it('a job stored without its timeline entry (accepted step by step, as on a Redis Cluster), or accepted long ago, is indexed by its worker before delivery', async () => {
    const queue = t.gateway.queues.get('national-portal');
    const doc = statusUpdate();
    const timelineKey = `${t.config.redis.prefix}:timeline:{${doc.dossierCode}}`;
    const redis = new Redis(t.config.redis.url!);
    await queue.pause();
    try {
      const { messageId } = (await t.send({ doc })).body;
      const job = (await queue.getJob(messageId))!;
      // Accepted in one script, the job says its entry was written with it: its worker does not write it again.
      expect(job.data.timelineIndexed).toBe(true);
      expect(await redis.zrange(timelineKey, 0, -1)).toEqual([`national-portal|${messageId}`]);
      // As if the entry had been written apart from the job and that write had failed.
      await job.updateData({ ...job.data, timelineIndexed: undefined });
      await redis.del(timelineKey);
      await queue.resume();
      await t.waitForState(messageId, ['delivered']);
      expect(await redis.zrange(timelineKey, 0, -1)).toEqual([`national-portal|${messageId}`]);

      // Marked, but accepted longer ago than half the retention (a stopped queue, a dead letter retried late): its
      // entry may have expired meanwhile, so the worker writes it again.
      await queue.pause();
      const waited = (await t.send({ doc: { ...doc, status: 5, statusTime: '2026-11-23T10:00:00+07:00' } })).body.messageId;
      const old = (await queue.getJob(waited))!;
      const receivedAt = new Date(Date.now() - t.config.retention.deliveredMs).toISOString();
      // retriedAt keeps its retry budget (counted from it when present) as wide as a fresh message's.
      await old.updateData({ ...old.data, receivedAt, retriedAt: new Date().toISOString() });
      await redis.del(timelineKey);
      await queue.resume();
      await t.waitForState(waited, ['delivered']);
      expect(await redis.zrange(timelineKey, 0, -1)).toEqual([`national-portal|${waited}`]);
    } finally {
      await queue.resume();
      redis.disconnect();
    }
  });
});

describe('trust store', () => {
  it('an operator reloads the trust store through the API, and the action is audited', async () => {
    expect((await viewer('POST', '/trust/reload', { reason: 'new official-duty CA' })).statusCode).toBe(403);
    const res = await operator('POST', '/trust/reload', { reason: 'new official-duty CA' });
    expect(res.body).toEqual({ roots: 1, intermediates: 0, crls: 0 });
    expect(await lastAudit()).toMatchObject({ action: 'trust-reload', reason: 'new official-duty CA', count: 1 });
  });
});

describe('queue overview', () => {
  it('shows the last 15 minutes (finished, dead, rate) and every worker\'s circuit state', async () => {
    const before = (await viewer('GET', '/queues')).body.destinations[0];
    const ok = (await t.send()).body.messageId;
    await t.waitForState(ok, ['delivered']);
    await deadLetter(400);
    const after = (await viewer('GET', '/queues')).body.destinations[0];
    expect(after.lastMinutes.minutes).toBe(15);
    expect(after.lastMinutes.finished - before.lastMinutes.finished).toBe(1);
    expect(after.lastMinutes.dead - before.lastMinutes.dead).toBe(1);
    expect(after.lastMinutes.deadRate).toBeGreaterThan(0);
    expect(after.circuits).toEqual([{ worker: expect.stringMatching(/:\d+$/), state: 'closed', updatedAt: expect.any(String) }]);
  });
});
