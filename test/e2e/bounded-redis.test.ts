import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { runGatewayctl } from '../helpers/gatewayctl.ts';
import { adminCall, adminConfig, adminTokens, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), name));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const metricValue = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('completed jobs trimmed by count, message log archived, status still answered', () => {
  let t: TestGateway;
  let archiveRoot: string;
  const sent: string[] = [];
  beforeAll(async () => {
    archiveRoot = tempDir('gw-archive-');
    t = await startTestGateway({
      overrides: {
        admins: adminConfig,
        retention: { completedJobsPerDestination: 2 },
        messageLog: { sealIntervalMs: 50, archive: { directory: archiveRoot, keepRecords: 2, intervalMs: 100, segmentMaxBytes: 4096 } },
      },
    });
    // One at a time, so the log's order is known: message i is records 2i+1 (accepted) and 2i+2 (delivered).
    for (let i = 0; i < 4; i++) {
      const { body } = await t.send({ doc: statusUpdate() });
      await t.waitForState(body.messageId, ['delivered']);
      sent.push(body.messageId);
    }
  });
  afterAll(async () => {
    await t.close();
  });
  const verify = async () => (await adminCall(t, adminTokens.viewer, 'GET', '/message-log/verify')).body;
  const gatewayctl = (...args: string[]) => runGatewayctl(t.url, adminTokens.viewer, ...args);

  it('keeps only the newest completedJobsPerDestination delivered jobs', async () => {
    const queue = t.gateway.queues.get('national-portal');
    expect((await queue.getJobCounts('completed')).completed).toBe(2);
    expect((await queue.getJobs(['completed'])).map((j) => j.id).sort()).toEqual(sent.slice(2).sort());
    expect(await queue.getJob(sent[0]!)).toBeUndefined();
  });

  it('moves all but the newest keepRecords log records to segment files, and the chain verifies across both', async () => {
    // Done when Redis holds the two newest: the files get records a moment before Redis lets them go.
    const redis = new Redis(t.config.redis.url!);
    await expect.poll(async () => (await redis.hkeys(`${t.config.redis.prefix}:msglog:records`)).sort(), { timeout: 10_000 }).toEqual(['7', '8']);
    redis.disconnect();
    expect(await verify()).toMatchObject({ ok: true, records: 8, firstSeq: 1, lastSeq: 8, archived: { records: 6 } });
    const [chainDir] = readdirSync(archiveRoot);
    expect(chainDir).toMatch(new RegExp(`^${t.config.redis.prefix}-[0-9a-f]{8}$`));
    const { code, out } = await gatewayctl('log', 'verify');
    expect(code).toBe(0);
    expect(out).toMatch(/^message log intact: 8 records \(seq 1-8, 6 of them in \d archive segments?\)\n$/);

    const metrics = await (await request(`${t.url}/metrics`)).body.text();
    expect(metricValue(metrics, 'gateway_message_log_unarchived_records')).toBe(2);
    expect(metricValue(metrics, 'gateway_message_log_oldest_unarchived_age_seconds')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'gateway_redis_used_memory_bytes')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^gateway_redis_maxmemory_bytes \d+$/m);
  });

  it('answers the status of a message whose job was trimmed from its (archived) log records', async () => {
    const first = await t.status(sent[0]!);
    expect(first).toMatchObject({ messageId: sent[0], type: 'dossier.status.v1', destination: 'national-portal', state: 'delivered', attempts: null, history: [], source: 'message-log' });
    expect(Date.parse(first.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(first.receivedAt as string));
    expect(first.dossierCode).toMatch(/^000\.00\.01\.H22-261123-/);
    const admin = await adminCall(t, adminTokens.viewer, 'GET', `/messages/${sent[1]}`);
    expect(admin.body).toMatchObject({ messageId: sent[1], state: 'delivered', source: 'message-log' });
    // A message the gateway never had is still not found.
    const res = await request(`${t.url}/v1/messages/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });

  it('exports records by seq and by time, from segment files and Redis alike', async () => {
    const bySeq = await gatewayctl('log', 'export', '--from', '5', '--to', '8');
    expect(bySeq.code).toBe(0);
    const lines = bySeq.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([5, 6, 7, 8]);
    expect(lines.map((l) => `${l.direction}:${l.outcome}:${l.messageId}`)).toEqual([`inbound:queued:${sent[2]}`, `outbound:delivered:${sent[2]}`, `inbound:queued:${sent[3]}`, `outbound:delivered:${sent[3]}`]);
    const all = (await gatewayctl('log', 'export')).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(all.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const byTime = await gatewayctl('log', 'export', '--from', all[6].at);
    expect(byTime.out.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([7, 8]);
    expect(await gatewayctl('log', 'export', '--from', 'yesterday')).toEqual({ code: 2, out: expect.stringContaining('--from must be a record seq (a whole number) or a time') });
  });

  it('gatewayctl log verify names the segment file and line of a record edited on disk, and exits 1', async () => {
    const [chainDir] = readdirSync(archiveRoot);
    const [segment] = readdirSync(join(archiveRoot, chainDir!)).sort();
    const path = join(archiveRoot, chainDir!, segment!);
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n');
    lines[1] = lines[1]!.replace('"outcome":"delivered"', '"outcome":"dead"');
    writeFileSync(path, lines.join('\n'));
    try {
      expect(await gatewayctl('log', 'verify')).toEqual({ code: 1, out: `gatewayctl: message log BROKEN at seq 2 (segment ${segment} line 2): record altered: its hash does not match its content (1 records verified before it)\n` });
    } finally {
      writeFileSync(path, original);
    }
    expect((await gatewayctl('log', 'verify')).code).toBe(0);
  });
});

describe('readiness and Redis memory', () => {
  let redisServer: EmbeddedRedis;
  let t: TestGateway;
  let redis: Redis;
  beforeAll(async () => {
    redisServer = new EmbeddedRedis({ dir: tempDir('gw-redis-mem-'), port: 0, appendfsync: 'everysec' });
    const url = await redisServer.start();
    redis = new Redis(url);
    t = await startTestGateway({ redisUrl: url, overrides: { readiness: { redisMemoryMaxRatio: 0.5 } } });
  });
  afterAll(async () => {
    await t?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });
  const ready = async () => {
    const res = await request(`${t.url}/health/ready`);
    return { statusCode: res.statusCode, body: (await res.body.json()) as any };
  };
  const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))![1]);

  it('turns not-ready before Redis is full, says why, and turns ready again when memory falls back', async () => {
    // Ballast, so a quarter of used_memory is megabytes: of a near-empty server's ~1 MB it was a few hundred KB, and the
    // gateway's connections opening meanwhile (a client costs Redis tens of KB) filled it once: the message got 503 (OOM).
    await redis.set('test:ballast', Buffer.alloc(16 * 1024 * 1024, 'x'));
    await redis.config('SET', 'maxmemory', String(Math.round((await usedMemory()) * 8)));
    expect(await ready()).toMatchObject({ statusCode: 200, body: { status: 'ready', checks: { redisMemory: true } } });

    // used_memory about 75 % of maxmemory: over the 50 % threshold, far from full.
    await redis.config('SET', 'maxmemory', String(Math.round((await usedMemory()) / 0.75)));
    const notReady = await ready();
    expect(notReady).toMatchObject({ statusCode: 503, body: { status: 'not-ready', checks: { redis: true, redisMemory: false }, details: { redisMemory: { ok: false, limit: 'maxmemory', threshold: 0.5 } } } });
    expect(notReady.body.reasons).toEqual([notReady.body.details.redisMemory.reason]);
    expect(notReady.body.details.redisMemory.reason).toMatch(/^Redis memory at \d+(\.\d)? % of maxmemory \(\d+ MiB of \d+ MiB\), over the 50 % threshold \(readiness.redisMemoryMaxRatio\)/);
    expect(notReady.body.details.redisMemory.ratio).toBeGreaterThan(0.5);
    // Not full: a message sent now is still accepted and stored.
    const accepted = await t.send({ doc: statusUpdate() });
    expect(accepted.statusCode).toBe(202);
    const metrics = await (await request(`${t.url}/metrics`)).body.text();
    expect(metricValue(metrics, 'gateway_redis_maxmemory_bytes')).toBe(Number(((await redis.config('GET', 'maxmemory')) as string[])[1]));

    await redis.config('SET', 'maxmemory', String(Math.round((await usedMemory()) * 8)));
    expect(await ready()).toMatchObject({ statusCode: 200, body: { checks: { redisMemory: true } } });
  });
});
