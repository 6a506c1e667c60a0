import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { MessageLog } from '../../src/audit/message-log.ts';
import { verifyMessageLog } from '../../src/audit/message-log-reader.ts';
import { Job } from 'bullmq';
import { acceptMessage, acceptStepByStep, deduplicationIdOf, type AcceptOptions } from '../../src/messages/accept-message.ts';
import { checkBullmqAdd } from '../../src/messages/accept-script.ts';
import { DossierTimeline } from '../../src/messages/dossier-timeline.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import { keepCompleted, maxStoredAttempts } from '../../src/queues/destination-queues.ts';
import type { RedisConfig } from '../../src/config/types.ts';
import { createProducerConnection } from '../../src/redis/connections.ts';

/**
 * The accept script (src/messages/accept-script.ts) does in one call what queue.add plus the records did in four:
 * these tests read Redis afterwards and hold it to what the step-by-step way writes.
 */
describe('accepting a message in one script', () => {
  let redis: Redis;
  const prefix = `acc${randomBytes(4).toString('hex')}`;
  const defaultJobOptions = { removeOnComplete: keepCompleted({ ageMs: 3_600_000, count: 100 }), removeOnFail: false };
  let scripted: Queue;
  let plain: Queue;
  let messageLog: MessageLog;
  let timeline: DossierTimeline;

  beforeAll(async () => {
    redis = createProducerConnection({ url: inject('redisUrl') } as RedisConfig) as Redis; // as the api connects (no offline queue: wait until ready)
    await new Promise((resolve) => redis.once('ready', resolve));
    scripted = new Queue('deliver-scripted', { connection: redis, prefix, defaultJobOptions });
    plain = new Queue('deliver-plain', { connection: redis, prefix, defaultJobOptions });
    messageLog = new MessageLog(redis, prefix, 'salt');
    timeline = new DossierTimeline(redis, prefix, 60_000);
  });
  afterAll(async () => {
    await Promise.all([scripted.close(), plain.close()]);
    redis.disconnect();
  });

  const envelopeOf = (overrides: Partial<Envelope> = {}): Envelope => ({
    messageId: randomUUID(),
    type: 'dossier.status.v1',
    partner: 'one-stop',
    agencyCode: 'G01.01',
    dossierCode: `HS-${randomBytes(3).toString('hex')}`,
    idempotencyKey: randomUUID(),
    idempotencyKeySource: 'header',
    bodySha256: randomBytes(32).toString('hex'),
    traceId: randomBytes(16).toString('hex'),
    receivedAt: new Date().toISOString(),
    orderingTime: Date.now(),
    payload: { dossierCode: 'HS-1', status: 'DANG_XU_LY', applicant: { fullName: 'Nguyễn Văn A' } },
    ...overrides,
  });
  const options = (envelope: Envelope, withSignature = true): AcceptOptions => ({
    idempotencyTtlMs: 60_000,
    signature: withSignature ? { redis, key: `${prefix}:signed-message:${envelope.messageId}`, ttlMs: 30_000 } : undefined,
    records: { messageLog, timeline, destination: 'scripted' },
  });
  const pendingLines = async () => (await redis.lrange(messageLog.keys.pending, 0, -1)).map((line) => JSON.parse(line) as Record<string, unknown>);

  it('makes the job queue.add makes: same hash fields, waiting, its event, its deduplication key', async () => {
    const envelope = envelopeOf();
    expect(await acceptMessage(scripted, envelope, options(envelope))).toEqual({ kind: 'queued', messageId: envelope.messageId });
    // The script marks the job: its timeline entry was written with it (the worker skips writing it again).
    await plain.add(envelope.type, { ...envelope, timelineIndexed: true }, {
      jobId: envelope.messageId,
      deduplication: { id: deduplicationIdOf(envelope.partner, envelope.idempotencyKey), ttl: 60_000 },
      attempts: maxStoredAttempts,
      backoff: { type: 'gateway' },
    });
    const [ours, theirs] = await Promise.all([redis.hgetall(scripted.toKey(envelope.messageId)), redis.hgetall(plain.toKey(envelope.messageId))]);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const field of Object.keys(theirs)) if (field !== 'timestamp') expect([field, ours[field]]).toEqual([field, theirs[field]]);
    expect(await redis.lrange(scripted.toKey('wait'), 0, -1)).toEqual([envelope.messageId]);
    const events = await redis.xrange(scripted.toKey('events'), '-', '+');
    expect(events.map(([, fields]) => fields)).toContainEqual(['event', 'waiting', 'jobId', envelope.messageId]);
    const dedupeKey = scripted.toKey(`de:${deduplicationIdOf(envelope.partner, envelope.idempotencyKey)}`);
    expect(await redis.get(dedupeKey)).toBe(envelope.messageId);
    expect(await redis.pttl(dedupeKey)).toBeGreaterThan(50_000);
  });

  it('writes the signature memory, the log line append() would write and the timeline entry with the job', async () => {
    await redis.del(messageLog.keys.pending);
    const envelope = envelopeOf();
    await acceptMessage(scripted, envelope, options(envelope));
    expect(await redis.get(`${prefix}:signed-message:${envelope.messageId}`)).toBe(envelope.messageId);
    const [line] = await pendingLines();
    expect(line).toMatchObject({ direction: 'inbound', messageId: envelope.messageId, partner: 'one-stop', type: 'dossier.status.v1', outcome: 'queued', bodySha256: envelope.bodySha256 });
    expect(Object.keys(line!)).toEqual(['at', 'direction', 'messageId', 'partner', 'type', 'outcome', 'bodySha256', 'body']);
    // Personal data is protected in the logged body, as append() does it.
    expect((line!.body as Record<string, unknown>).applicant).toMatch(/^hmac:/);
    expect(await timeline.entries(envelope.dossierCode)).toEqual([['scripted', envelope.messageId]]);
    // The lines seal into a chain that verifies.
    await messageLog.seal();
    expect(await verifyMessageLog(messageLog)).toMatchObject({ ok: true });
  });

  it('logs a body that holds any text, the id placeholder included, as a line that seals', async () => {
    await redis.del(messageLog.keys.pending);
    const envelope = envelopeOf({ payload: { dossierCode: 'HS-1', note: '\u0000messageId\u0000', '\u0000messageId\u0000': '"},{' } });
    await acceptMessage(scripted, envelope, options(envelope));
    const [line] = await pendingLines();
    expect(line).toMatchObject({ messageId: envelope.messageId, outcome: 'queued', body: envelope.payload });
    expect(await messageLog.seal()).toBe(1);
    expect(await verifyMessageLog(messageLog)).toMatchObject({ ok: true });
  });

  it('answers a signature heard before with its message, and writes no second job or timeline entry', async () => {
    const envelope = envelopeOf();
    await acceptMessage(scripted, envelope, options(envelope));
    await redis.del(messageLog.keys.pending);
    const again = { ...envelope, idempotencyKey: randomUUID() };
    expect(await acceptMessage(scripted, again, options(again))).toEqual({ kind: 'duplicate', messageId: envelope.messageId });
    expect((await pendingLines()).map((l) => [l.messageId, l.outcome, 'body' in l])).toEqual([[envelope.messageId, 'duplicate', false]]);
    expect(await timeline.entries(envelope.dossierCode)).toEqual([['scripted', envelope.messageId]]);

    // Remembered as another message (first heard as that message's duplicate): that message is the answer.
    const pointing = envelopeOf();
    await redis.set(`${prefix}:signed-message:${pointing.messageId}`, envelope.messageId, 'PX', 30_000);
    expect(await acceptMessage(scripted, pointing, options(pointing))).toEqual({ kind: 'duplicate', messageId: envelope.messageId });
    expect(await redis.exists(scripted.toKey(pointing.messageId))).toBe(0);
  });

  it('tells a repeated Idempotency-Key with the same body (duplicate) from one with another body (conflict, nothing written)', async () => {
    const first = envelopeOf();
    await acceptMessage(scripted, first, options(first));
    await redis.del(messageLog.keys.pending);

    const sameBody = envelopeOf({ idempotencyKey: first.idempotencyKey, bodySha256: first.bodySha256, dossierCode: first.dossierCode });
    expect(await acceptMessage(scripted, sameBody, options(sameBody))).toEqual({ kind: 'duplicate', messageId: first.messageId });
    // The signature first heard as a duplicate points at the original from now on.
    expect(await redis.get(`${prefix}:signed-message:${sameBody.messageId}`)).toBe(first.messageId);

    const otherBody = envelopeOf({ idempotencyKey: first.idempotencyKey, dossierCode: first.dossierCode });
    expect(await acceptMessage(scripted, otherBody, options(otherBody))).toEqual({ kind: 'conflict', messageId: first.messageId });
    expect(await redis.exists(scripted.toKey(otherBody.messageId), `${prefix}:signed-message:${otherBody.messageId}`)).toBe(0);
    expect((await pendingLines()).map((l) => [l.messageId, l.outcome])).toEqual([[first.messageId, 'duplicate']]);
    expect(await timeline.entries(first.dossierCode)).toEqual([['scripted', first.messageId]]);

    // A derived key names the business event: a match is a duplicate whatever the body.
    const derived = envelopeOf({ idempotencyKeySource: 'derived' });
    await acceptMessage(scripted, derived, options(derived, false));
    const derivedAgain = envelopeOf({ idempotencyKeySource: 'derived', idempotencyKey: derived.idempotencyKey });
    expect(await acceptMessage(scripted, derivedAgain, options(derivedAgain, false))).toEqual({ kind: 'duplicate', messageId: derived.messageId });
  });

  it('refuses what queue.add refuses (BullMQ checks the job first), storing nothing', async () => {
    await redis.del(messageLog.keys.pending);
    const envelope = envelopeOf({ messageId: '0' });
    await expect(acceptMessage(scripted, envelope, options(envelope))).rejects.toThrow('Custom Id cannot be integers');
    expect(await redis.llen(messageLog.keys.pending)).toBe(0);
    expect(await redis.exists(`${prefix}:signed-message:0`)).toBe(0);
  });

  it('keeps a stored message accepted when a record cannot be written, and says so', async () => {
    const envelope = envelopeOf();
    await redis.set(timeline.entryOf(envelope, 'scripted').key, 'not a sorted set'); // ZADD will fail
    const failures: Error[] = [];
    const result = await acceptMessage(scripted, envelope, { ...options(envelope), records: { messageLog, timeline, destination: 'scripted', onRecordFailed: (err) => failures.push(err) } });
    expect(result).toEqual({ kind: 'queued', messageId: envelope.messageId });
    // The script's failed write, then the timeline tried once more (its job says the entry was written with it).
    expect(failures.map((err) => err.message)).toEqual(['the signature memory, body digest, log entry or timeline of a stored message could not be written', expect.stringMatching(/WRONGTYPE/)]);
    expect(await redis.exists(scripted.toKey(envelope.messageId), `${prefix}:signed-message:${envelope.messageId}`)).toBe(2);
  });

  it('the step-by-step way (Redis Cluster) stores and records the same, duplicates and conflicts included', async () => {
    await redis.del(messageLog.keys.pending);
    const first = envelopeOf();
    expect(await acceptStepByStep(scripted, first, options(first))).toEqual({ kind: 'queued', messageId: first.messageId });
    const again = { ...first, idempotencyKey: randomUUID() };
    expect(await acceptStepByStep(scripted, again, options(again))).toEqual({ kind: 'duplicate', messageId: first.messageId });
    const otherBody = envelopeOf({ idempotencyKey: first.idempotencyKey, dossierCode: first.dossierCode });
    expect(await acceptStepByStep(scripted, otherBody, options(otherBody))).toEqual({ kind: 'conflict', messageId: first.messageId });
    expect(await redis.exists(scripted.toKey(otherBody.messageId))).toBe(0);
    expect((await pendingLines()).map((l) => [l.messageId, l.outcome])).toEqual([[first.messageId, 'queued'], [first.messageId, 'duplicate']]);
    expect(await timeline.entries(first.dossierCode)).toEqual([['scripted', first.messageId]]);
    expect(await redis.get(`${prefix}:signed-message:${first.messageId}`)).toBe(first.messageId);
    // Written apart from the job, the entry is written again by the worker: the job is not marked (nor a replay's copy).
    const marked = envelopeOf({ timelineIndexed: true });
    await acceptStepByStep(scripted, marked, options(marked));
    expect((await scripted.getJob(first.messageId))!.data.timelineIndexed).toBeUndefined();
    expect((await scripted.getJob(marked.messageId))!.data.timelineIndexed).toBeUndefined();
  });

  it('checks at start-up that BullMQ still adds a job the way the script composes it', async () => {
    await expect(checkBullmqAdd(scripted)).resolves.toBeUndefined();
    // A BullMQ whose add went another way (here: as a delayed job) is refused by name, before any request.
    const addJob = vi.spyOn(Job.prototype, 'addJob').mockImplementation(function (this: Job, client) {
      return (client as unknown as { runCommand: (name: string, args: unknown[]) => Promise<string> }).runCommand('addDelayedJob:9.9.9', []);
    });
    try {
      await expect(checkBullmqAdd(scripted)).rejects.toThrow('BullMQ no longer adds this job with addStandardJob-9 (addDelayedJob:9.9.9)');
    } finally {
      addJob.mockRestore();
    }
  });
});
