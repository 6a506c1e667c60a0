/**
 * npm run bench:redis: what one accepted message costs in Redis, and what of it stays. Sends FOOTPRINT_MESSAGES
 * (default 2000) signed status updates, each its own dossier, through a whole gateway (api + worker, the portal
 * simulator behind it) on a redis-server of its own, waits until every one is delivered and logged, then reads
 * INFO memory and MEMORY USAGE of every key, grouped by what the key is for. Then it archives the whole message log
 * (as the archiver does to records past messageLog.archive.keepRecords / keepMs) and measures again.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MessageLogArchiver } from '../src/audit/message-log-archiver.ts';
import { MessageLog } from '../src/audit/message-log.ts';
import { EmbeddedRedis } from '../src/redis/embedded-redis.ts';
import { scriptWorkDir } from '../test/helpers/script-work-dir.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../test/helpers/test-gateway.ts';

const messages = Number(process.env.FOOTPRINT_MESSAGES ?? 2000);
if (!Number.isInteger(messages) || messages < 1) {
  process.stderr.write(`FOOTPRINT_MESSAGES must be a whole number of messages, at least 1 (got "${process.env.FOOTPRINT_MESSAGES}")\n`);
  process.exit(2);
}
/** Sent before the first measure, so queues, scripts and connections exist: not counted. */
const warmUpMessages = 20;
const workDir = scriptWorkDir('gw-footprint-');
const redisServer = new EmbeddedRedis({ dir: join(workDir, 'redis'), port: 0, appendfsync: 'everysec' });
let gateway: TestGateway | undefined;
let redis: Redis | undefined;

/** What a key is for, from its name (prefix removed), with how long it lives. */
const families: Array<[RegExp, string, string]> = [
  [/^deliver-[^:]+:[0-9a-f-]{36}$/, 'delivered job (envelope, result)', 'retention.deliveredMs and completedJobsPerDestination'],
  [/^deliver-[^:]+:[0-9a-f-]{36}:logs$/, 'job attempt history', 'with its job'],
  [/^deliver-[^:]+:de:/, 'dedupe key', 'ingest.idempotencyTtlMs (7 d)'],
  [/^deliver-[^:]+:idem-body:/, 'idempotency body digest', 'ingest.idempotencyTtlMs (7 d)'],
  [/^deliver-[^:]+:completed$/, 'completed set entry', 'with its job'],
  [/^deliver-[^:]+:events$/, 'queue events stream', 'capped by BullMQ at ~10,000 events a queue'],
  [/^deliver-[^:]+:/, 'queue bookkeeping', 'fixed size'],
  [/^msglog:records$/, 'message log records', 'messageLog.archive.keepRecords / keepMs, then on disk'],
  [/^msglog:by-message$/, 'message log index', 'with the records in Redis'],
  [/^msglog:/, 'message log head/anchor', 'fixed size'],
  [/^timeline:/, 'dossier timeline', 'retention.deliveredMs after the dossier\'s last message'],
  [/^dossier:/, 'per-dossier ordering', 'retention.deliveredMs'],
  [/^signed-message:/, 'signature memory', '2 × ingest.clockSkewMs (10 min)'],
  [/^connector:[^:]+:message:/, 'portal: calls done per message', '30 d (connectors/national-portal)'],
  [/^connector:[^:]+:dossier:/, 'portal: dossiers synced', '400 d per dossier (connectors/national-portal)'],
];

async function breakdown(prefix: string): Promise<Map<string, { keys: number; bytes: number; bound: string }>> {
  const out = new Map<string, { keys: number; bytes: number; bound: string }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis!.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(prefix.length + 1);
      const [, family, bound] = families.find(([re]) => re.test(name)) ?? [undefined, 'other', ''];
      const bytes = Number(await redis!.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const entry = out.get(family) ?? { keys: 0, bytes: 0, bound };
      entry.keys += 1;
      entry.bytes += bytes;
      out.set(family, entry);
    }
  } while (cursor !== '0');
  return out;
}

const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await redis!.info('memory'))![1]);
const pad = (s: string | number, n: number) => String(s).padEnd(n);

async function sendAndDeliver(t: TestGateway, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 50) {
    // Each with an Idempotency-Key of its own, as a partner retrying safely sends them (it adds the body's digest).
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - sent) }, () => t.send({ doc: statusUpdate(), headers: { 'idempotency-key': randomUUID() } })));
    const refused = batch.find((r) => r.statusCode !== 202);
    if (refused) throw new Error(`a message was refused: ${refused.statusCode} ${JSON.stringify(refused.body)}`);
  }
  await t.drain(600_000);
}

/**
 * Until the log holds `records` sealed records: each message sent here leaves two (accepted, then delivered). The
 * pending list alone is not enough: a delivered message's entry can still be on its way from the worker when the
 * list is momentarily empty, and sealed after the measure it would be counted in the wrong one.
 */
async function sealed(log: MessageLog, records: number): Promise<void> {
  const sealedSoFar = async () => Number((await redis!.hget(log.keys.head, 'seq')) ?? 0);
  while ((await sealedSoFar()) < records || (await redis!.llen(log.keys.pending)) > 0) await new Promise((r) => setTimeout(r, 100));
}
/** The log records of one message sent and delivered here: its inbound entry and its outcome. */
const recordsPerMessage = 2;

async function main() {
  process.stderr.write(`footprint: work dir ${workDir} (removed at the end, with the redis-server started there)\n`);
  const url = await redisServer.start();
  redis = new Redis(url);
  const archiveRoot = join(workDir, 'message-log');
  gateway = await startTestGateway({
    redisUrl: url,
    overrides: {
      log: { level: 'warn' },
      // Every job measured is kept (the warm-up's too, or the first measured jobs would be trimmed and count as 0 B).
      retention: { completedJobsPerDestination: (warmUpMessages + messages) * 2 },
      partners: { 'province-a': { rateLimit: { max: 100_000, timeWindowMs: 1000 } } },
      // Archived by hand below, so the first measure has every record in Redis.
      messageLog: { sealIntervalMs: 100, archive: { directory: archiveRoot, intervalMs: 86_400_000 } },
    },
  });
  const prefix = gateway.config.redis.prefix;
  const log = new MessageLog(redis, prefix, gateway.config.messageLog.piiSalt, archiveRoot);
  const archiver = new MessageLogArchiver(log, { ...gateway.config.messageLog.archive, keepRecords: 0, keepMs: 0, retentionMs: gateway.config.messageLog.retentionMs, lockMs: 60_000 });
  await sendAndDeliver(gateway, warmUpMessages);
  await sealed(log, warmUpMessages * recordsPerMessage);
  while ((await archiver.run()).archived > 0); // and the log starts empty in Redis
  const before = await usedMemory();
  const keysBefore = await breakdown(prefix);
  process.stderr.write(`footprint: sending ${messages} messages…\n`);
  await sendAndDeliver(gateway, messages);
  await sealed(log, (warmUpMessages + messages) * recordsPerMessage);
  const after = await usedMemory();
  const keysAfter = await breakdown(prefix);

  while ((await archiver.run()).archived > 0);
  const archived = await usedMemory();
  const keysArchived = await breakdown(prefix);

  const perMessage = (family: string, map: typeof keysAfter) => ((map.get(family)?.bytes ?? 0) - (keysBefore.get(family)?.bytes ?? 0)) / messages;
  const rows = [...keysAfter.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  const lines = [
    `Redis footprint of ${messages} accepted and delivered status updates (national portal), redis ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1]}`,
    `${pad('what', 36)}${pad('bytes/msg', 11)}${pad('after archive', 15)}lives`,
    ...rows.map(([family, { bound }]) => `${pad(family, 36)}${pad(Math.round(perMessage(family, keysAfter)), 11)}${pad(Math.round(perMessage(family, keysArchived)), 15)}${bound}`),
    `${pad('sum of MEMORY USAGE', 36)}${pad(Math.round(rows.reduce((s, [f]) => s + perMessage(f, keysAfter), 0)), 11)}${pad(Math.round([...keysArchived.keys()].reduce((s, f) => s + perMessage(f, keysArchived), 0)), 15)}`,
    `${pad('INFO used_memory', 36)}${pad(Math.round((after - before) / messages), 11)}${pad(Math.round((archived - before) / messages), 15)}(allocator overhead included)`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

async function stopEverything(): Promise<void> {
  await gateway?.close().catch(() => undefined);
  redis?.disconnect();
  await redisServer.stop().catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
}

main().then(stopEverything, async (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  await stopEverything();
  process.exit(1);
});
