import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MessageLog, hashOf, type SealedRecord } from '../../src/audit/message-log.ts';
import { ArchiveRefused, MessageLogArchiver, type ArchiveOptions } from '../../src/audit/message-log-archiver.ts';
import { exportMessageLog, verifyMessageLog } from '../../src/audit/message-log-reader.ts';
import { MessageLogLookup } from '../../src/audit/message-log-lookup.ts';

let redis: Redis;
const dirs: string[] = [];
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => {
  redis.disconnect();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const defaults: ArchiveOptions = { keepRecords: 5, keepMs: 3_600_000, segmentMaxBytes: 4096, segmentMaxAgeMs: 86_400_000, batchSize: 7, retentionMs: 365 * 86_400_000, lockMs: 60_000 };

/** A message log of its own (prefix and archive directory) with `count` sealed records, ids m-0 … m-(count-1). */
async function sealedLog(count: number) {
  const root = mkdtempSync(join(tmpdir(), 'gw-msglog-'));
  dirs.push(root);
  const log = new MessageLog(redis, `arch${randomBytes(4).toString('hex')}`, 'a-salt-of-sixteen-chars', root);
  await appendAndSeal(log, 0, count);
  return log;
}

async function appendAndSeal(log: MessageLog, from: number, count: number) {
  for (let i = from; i < from + count; i++) {
    await log.append({ direction: i % 2 ? 'outbound' : 'inbound', messageId: `m-${i}`, partner: 'province-a', type: 'dossier.status.v1', outcome: i % 2 ? 'delivered' : 'queued', body: { dossierCode: `D-${i}`, note: 'x'.repeat(150) } });
  }
  while ((await log.seal()) > 0);
}

const archiverOf = (log: MessageLog, options: Partial<ArchiveOptions> = {}) => new MessageLogArchiver(log, { ...defaults, ...options });
const segmentDir = async (log: MessageLog) => log.segments(await log.state())!.directory;
const segmentFiles = async (log: MessageLog) => readdirSync(await segmentDir(log)).sort();
const segmentLines = async (log: MessageLog, file: string) => readFileSync(join(await segmentDir(log), file), 'utf8').split('\n').filter(Boolean);
const records = async (log: MessageLog, file: string) => (await segmentLines(log, file)).map((l) => JSON.parse(l) as SealedRecord);
const inRedis = (log: MessageLog) => redis.hlen(log.keys.records);

describe('the message log archive', () => {
  it('moves all but the newest records to size-rotated segment files; the chain runs across files and into Redis', async () => {
    const log = await sealedLog(30);
    expect(await archiverOf(log).run()).toEqual({ archived: 25, retired: 0, recovered: 0 });

    expect(await inRedis(log)).toBe(5);
    expect((await redis.hkeys(log.keys.records)).map(Number).sort((a, b) => a - b)).toEqual([26, 27, 28, 29, 30]);
    const files = await segmentFiles(log);
    expect(files.length).toBeGreaterThan(1); // 4 KiB segments: rotated by size
    expect(files[0]).toBe('segment-000000000001.jsonl');
    const all = (await Promise.all(files.map((f) => records(log, f)))).flat();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const [i, file] of files.entries()) {
      const [first] = await records(log, file);
      expect(file).toBe(`segment-${String(first!.seq).padStart(12, '0')}.jsonl`);
      if (i > 0) expect(first!.prevHash).toBe((await records(log, files[i - 1]!)).at(-1)!.hash); // each file links to the one before
    }
    expect(JSON.parse((await redis.hget(log.keys.records, '26'))!).prevHash).toBe(all.at(-1)!.hash); // and Redis to the last file
    expect(await verifyMessageLog(log)).toEqual({ ok: true, records: 30, firstSeq: 1, lastSeq: 30, archived: { records: 25, segments: files.length } });

    // Only what has left Redis is indexed out of it: the by-message index holds the five records still there.
    expect((await redis.zrange(log.keys.byMessage, 0, -1)).sort()).toEqual(['m-25 26', 'm-26 27', 'm-27 28', 'm-28 29', 'm-29 30']);
  });

  it('also archives records older than keepMs; a segment holds at most segmentMaxAgeMs of records', async () => {
    const log = await sealedLog(6);
    const big = { keepRecords: 1000, segmentMaxBytes: 64 << 20 };
    expect((await archiverOf(log, big).run()).archived).toBe(0); // young and few: they stay
    expect((await archiverOf(log, big).run(Date.now() + 2 * 3_600_000)).archived).toBe(6);
    await appendAndSeal(log, 6, 3);
    expect((await archiverOf(log, big).run(Date.now() + 2 * 3_600_000)).archived).toBe(3);
    expect(await segmentFiles(log)).toEqual(['segment-000000000001.jsonl']); // appended to the same file
    // Entries logged a day and more later (the log is sealed in the order entries were appended).
    for (const [i, hours] of [[9, 25], [10, 26], [11, 50]] as const) {
      await redis.rpush(log.keys.pending, JSON.stringify({ at: new Date(Date.now() + hours * 3_600_000).toISOString(), direction: 'inbound', messageId: `m-${i}`, type: 'dossier.status.v1', outcome: 'queued' }));
    }
    await log.seal();
    expect((await archiverOf(log, big).run(Date.now() + 3 * 86_400_000)).archived).toBe(3);
    expect(await segmentFiles(log)).toEqual(['segment-000000000001.jsonl', 'segment-000000000010.jsonl', 'segment-000000000012.jsonl']);
    expect(await inRedis(log)).toBe(0);
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 12, archived: { records: 12, segments: 3 } });
  });

  it('a pass that stops after its fsync and before the Redis trim loses nothing and duplicates nothing: the next pass finishes it', async () => {
    const log = await sealedLog(30);
    const crashing = archiverOf(log);
    crashing.afterDurable = async () => {
      throw new Error('killed between fsync and trim');
    };
    await expect(crashing.run()).rejects.toThrow('killed between fsync and trim');
    // The first batch is on disk and still in Redis; the chain reads it once, from disk.
    expect(await inRedis(log)).toBe(30);
    expect((await Promise.all((await segmentFiles(log)).map((f) => segmentLines(log, f)))).flat()).toHaveLength(7);
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 30, archived: { records: 7 } });

    // A crash in the middle of a write leaves a last line without its newline: cut off, the record is still in Redis.
    const files = await segmentFiles(log);
    appendFileSync(join(await segmentDir(log), files.at(-1)!), '{"at":"2026-11-23T02:15:00.000Z","direction":"inb');
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 30 });

    expect(await archiverOf(log).run()).toEqual({ recovered: 7, archived: 18, retired: 0 });
    const archived = (await Promise.all((await segmentFiles(log)).map((f) => records(log, f)))).flat();
    expect(archived.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1)); // each once, in order
    expect(await inRedis(log)).toBe(5);
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 30, archived: { records: 25 } });
  });

  it('two archivers at once: one works, the other waits its turn; nothing is written twice', async () => {
    const log = await sealedLog(40);
    const passes = await Promise.all([archiverOf(log).run(), archiverOf(log).run(), archiverOf(log).run()]);
    expect(passes.reduce((sum, p) => sum + p.archived, 0)).toBe(35);
    expect(passes.filter((p) => p.archived > 0)).toHaveLength(1);
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 40, archived: { records: 35 } });
  });

  it('refuses to archive into a directory that does not hold what Redis says was archived (another host, a lost volume)', async () => {
    const log = await sealedLog(12);
    await archiverOf(log).run();
    const directory = await segmentDir(log);
    renameSync(directory, `${directory}.moved`);
    dirs.push(`${directory}.moved`);
    await appendAndSeal(log, 12, 8);
    await expect(archiverOf(log).run()).rejects.toThrow(ArchiveRefused);
    await expect(archiverOf(log).run()).rejects.toThrow(/ends at seq 0 but Redis says records up to seq 7 were archived: is messageLog.archive.directory the same/);
    expect(await inRedis(log)).toBe(13); // nothing left Redis
    expect(await verifyMessageLog(log)).toMatchObject({ ok: false, broken: { seq: 1, problem: 'missing', reason: 'Redis says records up to seq 7 were archived, but no segment file holds seq 1' } });
  });

  it('never cuts a last line Redis counts as archived: a newline removed from the archive is left for verify to report', async () => {
    const log = await sealedLog(12);
    await archiverOf(log).run();
    const files = await segmentFiles(log);
    const path = join(await segmentDir(log), files.at(-1)!);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, -1));
    await expect(archiverOf(log).run()).rejects.toThrow(/ends in an unfinished line where Redis says records up to seq 7 were archived/);
    expect(readFileSync(path, 'utf8')).toBe(text.slice(0, -1));
    expect((await verifyMessageLog(log)).broken).toMatchObject({ seq: 7, problem: 'missing' });
  });

  it('retention deletes whole segments past messageLog.retentionMs; the chain verifies from its new anchor', async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    const before = await segmentFiles(log);
    const pass = await archiverOf(log, { retentionMs: 60_000 }).run(Date.now() + 120_000);
    expect(pass.retired).toBe(before.length); // every record is past retention: every segment goes
    expect(await segmentFiles(log)).toEqual([]);
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 5, firstSeq: 26, lastSeq: 30 });
    await appendAndSeal(log, 30, 10);
    await archiverOf(log).run();
    expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 15, firstSeq: 26, lastSeq: 40, archived: { records: 10 } });
  });
});

describe('verify across segment files and Redis', () => {
  it('names the segment file and line of an edited record, a re-linked one, a removed one and a repeated one', async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    const [, second] = await segmentFiles(log);
    const path = join(await segmentDir(log), second!);
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n').filter(Boolean);
    const firstSeqOfFile = JSON.parse(lines[0]!).seq as number;
    const rewrite = (edit: (lines: string[]) => string[]) => writeFileSync(path, edit([...lines]).join('\n') + '\n');

    rewrite((l) => ((l[2] = l[2]!.replace('"outcome":"queued"', '"outcome":"dead"').replace('"outcome":"delivered"', '"outcome":"dead"')), l));
    expect((await verifyMessageLog(log)).broken).toEqual({ seq: firstSeqOfFile + 2, problem: 'altered', reason: 'its hash does not match its content', segment: second, line: 3 });

    // Without the key: the edited record gets the hash of its new content and the next one points at it.
    rewrite((l) => {
      const { hash: _h, ...edited } = { ...JSON.parse(l[2]!), outcome: 'dead' };
      const editedHash = hashOf(edited);
      l[2] = JSON.stringify({ ...edited, hash: editedHash });
      l[3] = JSON.stringify({ ...JSON.parse(l[3]!), prevHash: editedHash });
      return l;
    });
    expect((await verifyMessageLog(log)).broken).toMatchObject({ seq: firstSeqOfFile + 3, problem: 'altered', segment: second, line: 4 });

    rewrite((l) => (l.splice(1, 1), l));
    expect((await verifyMessageLog(log)).broken).toMatchObject({ seq: firstSeqOfFile + 1, problem: 'missing', reason: `missing: the next record found is seq ${firstSeqOfFile + 2}`, segment: second, line: 2 });

    rewrite((l) => (l.splice(2, 0, l[1]!), l));
    expect((await verifyMessageLog(log)).broken).toMatchObject({ seq: firstSeqOfFile + 1, problem: 'duplicate', segment: second, line: 3 });

    writeFileSync(path, original);
    expect((await verifyMessageLog(log)).ok).toBe(true);
    // Records cut from the end of the newest segment: the first of Redis's records no longer links to anything on disk.
    const files = await segmentFiles(log);
    const newest = join(await segmentDir(log), files.at(-1)!);
    const newestText = readFileSync(newest, 'utf8').split('\n').filter(Boolean);
    writeFileSync(newest, newestText.slice(0, -1).map((l) => l + '\n').join(''));
    expect((await verifyMessageLog(log)).broken).toEqual({ seq: 25, problem: 'missing', reason: 'Redis says records up to seq 25 were archived, but no segment file holds seq 25' });
  });

  it('names the Redis field of a record edited there after the archived ones', async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    const text = (await redis.hget(log.keys.records, '28'))!;
    await redis.hset(log.keys.records, '28', text.replace('"direction":"outbound"', '"direction":"inbound"'));
    expect((await verifyMessageLog(log)).broken).toEqual({ seq: 28, problem: 'altered', reason: 'its hash does not match its content', redisKey: `${log.keys.records} 28` });
    await redis.hset(log.keys.records, '28', text);
    await redis.hdel(log.keys.records, '30');
    expect((await verifyMessageLog(log)).broken).toMatchObject({ seq: 30, problem: 'missing', redisKey: `${log.keys.records} 30` });
  });
});

describe('export and lookup', () => {
  it('exports every record once, segment files then Redis, by seq or by time', async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    const collect = async (range = {}) => {
      const lines: string[] = [];
      for await (const line of exportMessageLog(log, range)) lines.push(line);
      return lines.map((l) => JSON.parse(l) as SealedRecord);
    };
    const all = await collect();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await collect({ fromSeq: 24, toSeq: 27 })).map((r) => r.seq)).toEqual([24, 25, 26, 27]);
    const at = Date.parse(all[9]!.at);
    expect((await collect({ from: at + 1e9 })).length).toBe(0);
    expect((await collect({ to: Date.parse(all[0]!.at) - 1 })).length).toBe(0);
    expect((await collect({ from: at, to: Date.parse(all.at(-1)!.at) })).every((r) => Date.parse(r.at) >= at)).toBe(true);
  });

  it('an export that runs while the archiver moves records reads each record once, from wherever it is', async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    await appendAndSeal(log, 30, 10);
    const reading = exportMessageLog(log)[Symbol.asyncIterator]();
    const seqs: number[] = [];
    for (let i = 0; i < 25; i++) seqs.push(JSON.parse((await reading.next()).value as string).seq); // the files, as they were
    expect((await archiverOf(log).run()).archived).toBe(10); // 26-35 leave Redis meanwhile
    for (let next = await reading.next(); !next.done; next = await reading.next()) seqs.push(JSON.parse(next.value).seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("finds a message's records in the archive and in Redis", async () => {
    const log = await sealedLog(30);
    await archiverOf(log).run();
    const lookup = new MessageLogLookup(log, 86_400_000);
    expect((await lookup.recordsOf('m-3')).map((r) => r.seq)).toEqual([4]); // archived
    expect((await lookup.recordsOf('m-28')).map((r) => r.seq)).toEqual([29]); // in Redis
    expect(await lookup.recordsOf('m-999')).toEqual([]);
    await appendAndSeal(log, 3, 1); // the same id again, later
    await archiverOf(log, { keepRecords: 0 }).run();
    expect((await lookup.recordsOf('m-3')).map((r) => r.seq)).toEqual([4, 31]); // the growing segment is indexed on
  });
});
