import { randomBytes } from 'node:crypto';
import { releaseLock, renewLock, takeLock } from '../redis/token-lock.ts';
import type { Logger } from '../logging/logger.ts';
import type { LogSegments, Segment } from './log-segments.ts';
import type { ChainLink, ChainState, MessageLog, SealedRecord } from './message-log.ts';

export interface ArchiveOptions {
  /** Redis keeps at most the newest `keepRecords` records… */
  keepRecords: number;
  /** …and none older than this: a record goes to segment files when it is either. */
  keepMs: number;
  /** A new segment file is started when the current one would pass this size… */
  segmentMaxBytes: number;
  /** …or hold records further apart than this (by their `at`). */
  segmentMaxAgeMs: number;
  /** Records moved per step (one append + fsync + one Redis trim). */
  batchSize: number;
  /** Whole segments whose newest record is older than this are deleted, and the chain's anchor moves past them. */
  retentionMs: number;
  lockMs: number;
}

/** The archive on disk and Redis disagree in a way that needs an operator: nothing is archived until it is fixed. */
export class ArchiveRefused extends Error {
  override name = 'ArchiveRefused';
}

/** What one pass did. */
export interface ArchivePass {
  archived: number;
  retired: number;
  /** Records a previous pass had made durable but not yet trimmed from Redis (it stopped in between). */
  recovered: number;
}

// Trims archived records from Redis and moves the archived point, only for the lock holder and only from where it
// read the archived point: a second archiver, or a stale one, can never trim twice or trim what it did not write.
const trimScript = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 'LOCK_LOST' end
if redis.call('hget', KEYS[2], 'seq') ~= ARGV[2] then return 'MOVED' end
redis.call('hset', KEYS[2], 'seq', ARGV[3], 'hash', ARGV[4])
local first = tonumber(ARGV[2]) + 1
local last = tonumber(ARGV[3])
while first <= last do
  local fields = {}
  for s = first, math.min(last, first + 499) do fields[#fields + 1] = tostring(s) end
  redis.call('hdel', KEYS[3], unpack(fields))
  first = first + 500
end
for i = 5, #ARGV do redis.call('zrem', KEYS[4], ARGV[i]) end
return 'OK'`;


// Retention: the anchor moves to a retired segment's last record before its file is removed (lock holder only).
const anchorScript = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 'LOCK_LOST' end
local current = tonumber(redis.call('hget', KEYS[2], 'seq') or '0')
if tonumber(ARGV[2]) > current then redis.call('hset', KEYS[2], 'seq', ARGV[2], 'hash', ARGV[3]) end
return 'OK'`;

/**
 * Moves sealed records out of Redis into append-only segment files, oldest first, so Redis holds only recent
 * records. One archiver at a time across every process (a Redis lock). Crash-safe by order: records are appended
 * and fsynced first, and only then removed from Redis, in one script that also moves the archived point. A crash in
 * between leaves records both on disk and in Redis; the next pass sees the disk ahead of Redis, checks the copies
 * are identical and finishes the trim, so nothing is lost and nothing is archived twice. A write cut short by a
 * crash (a last line without its newline) is cut off: Redis still has that record.
 */
export class MessageLogArchiver {
  /** Tests stop a pass here to play a crash between the fsync and the Redis trim. */
  afterDurable?: (lastSeq: number) => Promise<void>;
  private readonly firstAt = new Map<string, number>();

  constructor(
    private readonly log: MessageLog,
    private readonly options: ArchiveOptions,
    private readonly logger?: Logger,
  ) {}

  async run(now = Date.now(), maxBatches = 100): Promise<ArchivePass> {
    const { redis, keys } = this.log;
    const token = await takeLock(redis, keys.archiverLock, this.options.lockMs);
    if (!token) return { archived: 0, retired: 0, recovered: 0 };
    try {
      await redis.set(keys.chainId, randomBytes(4).toString('hex'), 'NX');
      let state = await this.log.state();
      // The archived point starts at the anchor (a log that was never archived), so the trim script finds it.
      if (!(await redis.exists(keys.archived))) await redis.hset(keys.archived, 'seq', state.anchor.seq, 'hash', state.anchor.hash);
      const segments = this.log.segments(state)!;
      const recovered = await this.recover(segments, state, token);
      state = await this.log.state();
      let archived = 0;
      for (let i = 0; i < maxBatches; i++) {
        const moved = await this.moveBatch(segments, state, token, now);
        if (moved === 0) break;
        archived += moved;
        state = await this.log.state();
      }
      const retired = await this.retire(segments, state, token, now);
      return { archived, retired, recovered };
    } finally {
      await releaseLock(redis, keys.archiverLock, token);
    }
  }

  /** Finishes what a pass that stopped after its fsync left undone, or refuses when disk and Redis disagree. */
  private async recover(segments: LogSegments, state: ChainState, token: string): Promise<number> {
    let last = await segments.last();
    if (last?.partialAt !== undefined) {
      // Cut only what Redis still holds (after the archived point); anything else is evidence for verify, kept.
      const completeSeq = last.text ? parseLine(last.text, `${last.segment.name} (last line)`).seq : last.segment.firstSeq - 1;
      if (completeSeq < state.archived.seq) {
        throw new ArchiveRefused(`${last.segment.name} ends in an unfinished line where Redis says records up to seq ${state.archived.seq} were archived: run gatewayctl log verify`);
      }
      await this.renew(token);
      await segments.cutAt(last.segment, last.partialAt);
      this.logger?.warn({ segment: last.segment.name }, 'message log archive: cut off a write a crash left unfinished (the record is still in Redis)');
      last = await segments.last();
    }
    const diskLast = last?.text ? parseLine(last.text, `${last.segment.name} (last line)`) : undefined;
    const diskSeq = diskLast?.seq ?? state.anchor.seq;
    if (diskSeq < state.archived.seq) {
      throw new ArchiveRefused(
        `the archive in ${segments.directory} ends at seq ${diskSeq} but Redis says records up to seq ${state.archived.seq} were archived: ` +
          'is messageLog.archive.directory the same (one host or a shared volume) for every worker process?',
      );
    }
    if (diskSeq === state.archived.seq) return 0;
    if (diskSeq > state.head.seq) throw new ArchiveRefused(`the archive in ${segments.directory} holds seq ${diskSeq}, beyond the newest record in Redis (seq ${state.head.seq})`);
    // Records (archived, diskSeq] are durable on disk and still in Redis: they must be the same records.
    const onDisk: SealedRecord[] = [];
    const texts = new Map<number, string>();
    for (const segment of segmentsFrom(segments.list(), state.archived.seq + 1)) {
      for await (const line of segments.lines(segment)) {
        const record = parseLine(line.text, `${segment.name} line ${line.line}`);
        if (record.seq <= state.archived.seq) continue;
        onDisk.push(record);
        texts.set(record.seq, line.text);
      }
    }
    for await (const { seq, text } of this.log.redisRecords(state.archived.seq + 1, diskSeq)) {
      if (text !== texts.get(seq)) throw new ArchiveRefused(`seq ${seq} differs between the archive in ${segments.directory} and Redis: run gatewayctl log verify`);
    }
    await this.trim(state.archived, onDisk, token);
    this.logger?.info({ records: onDisk.length, lastSeq: diskSeq }, 'message log archive: finished the Redis trim of records a stopped pass had already archived');
    return onDisk.length;
  }

  /** Appends the next due records to the segment files (fsynced), then trims them from Redis. */
  private async moveBatch(segments: LogSegments, state: ChainState, token: string, now: number): Promise<number> {
    const { keepRecords, keepMs, batchSize } = this.options;
    const from = state.archived.seq + 1;
    const to = Math.min(state.head.seq, state.archived.seq + batchSize);
    if (from > to) return 0;
    // Most passes find nothing due: say so from the oldest record alone, without reading a batch.
    if (state.head.seq - from < keepRecords) {
      const oldest = await this.log.redis.hget(this.log.keys.records, String(from));
      if (oldest && Date.parse(parseLine(oldest, `Redis seq ${from}`).at) >= now - keepMs) return 0;
    }
    const due: Array<{ record: SealedRecord; text: string }> = [];
    for await (const { seq, text } of this.log.redisRecords(from, to)) {
      if (!text) throw new ArchiveRefused(`record seq ${seq} is missing from Redis: run gatewayctl log verify`);
      const record = parseLine(text, `Redis seq ${seq}`);
      const old = Date.parse(record.at) < now - keepMs;
      const beyondKept = state.head.seq - seq >= keepRecords;
      if (!old && !beyondKept) break;
      due.push({ record, text });
    }
    if (due.length === 0) return 0;
    for (const group of await this.groupBySegment(segments, due)) {
      await this.renew(token);
      await segments.append(group.firstSeq, group.lines);
    }
    await this.afterDurable?.(due.at(-1)!.record.seq);
    await this.trim(state.archived, due.map((d) => d.record), token);
    return due.length;
  }

  /**
   * Which segment file each record goes to: the current one until it would pass segmentMaxBytes or span more than
   * segmentMaxAgeMs of records (by their `at`: a day's segment holds a day's records, whenever it is archived).
   */
  private async groupBySegment(segments: LogSegments, due: Array<{ record: SealedRecord; text: string }>) {
    const { segmentMaxBytes, segmentMaxAgeMs } = this.options;
    let current: { firstSeq: number; size: number; firstAt: number } | undefined;
    const newest = segments.list().at(-1);
    if (newest) {
      const size = await segments.sizeOf(newest);
      if (size === 0) await segments.remove(newest); // created by a pass that stopped before writing anything
      else current = { firstSeq: newest.firstSeq, size, firstAt: await this.firstAtOf(segments, newest) };
    }
    const groups: Array<{ firstSeq: number; lines: string[] }> = [];
    for (const { record, text } of due) {
      const bytes = Buffer.byteLength(text) + 1;
      const at = Date.parse(record.at);
      if (!current || (current.size > 0 && current.size + bytes > segmentMaxBytes) || at - current.firstAt >= segmentMaxAgeMs) {
        current = { firstSeq: record.seq, size: 0, firstAt: at };
      }
      if (groups.at(-1)?.firstSeq !== current.firstSeq) groups.push({ firstSeq: current.firstSeq, lines: [] });
      groups.at(-1)!.lines.push(text);
      current.size += bytes;
    }
    return groups;
  }

  private async firstAtOf(segments: LogSegments, segment: Segment): Promise<number> {
    const known = this.firstAt.get(segment.name);
    if (known !== undefined) return known;
    for await (const line of segments.lines(segment)) {
      const at = Date.parse(parseLine(line.text, `${segment.name} line 1`).at);
      this.firstAt.set(segment.name, at);
      return at;
    }
    return Date.now();
  }

  private async trim(from: ChainLink, records: SealedRecord[], token: string): Promise<void> {
    const last = records.at(-1)!;
    const { redis, keys } = this.log;
    const members = records.filter((r) => r.messageId).map((r) => `${r.messageId} ${r.seq}`);
    const result = await redis.eval(trimScript, 4, keys.archiverLock, keys.archived, keys.records, keys.byMessage, token, String(from.seq), String(last.seq), last.hash, ...members);
    if (result !== 'OK') throw new Error(`message log archive: Redis not trimmed (${result}); the next pass finishes it`);
  }

  /** Deletes whole segments past retention, oldest first, moving the anchor past each before its file goes. */
  private async retire(segments: LogSegments, state: ChainState, token: string, now: number): Promise<number> {
    const all = segments.list();
    let retired = 0;
    for (let i = 0; i < all.length; i++) {
      const segment = all[i]!;
      // A segment's last record is the one before the next segment's first; the newest segment's is the archived point.
      const lastSeq = all[i + 1] ? all[i + 1]!.firstSeq - 1 : state.archived.seq;
      const { text } = await segments.tail(segment);
      const lastRecord = text ? parseLine(text, `${segment.name} (last line)`) : undefined;
      if (!lastRecord || lastRecord.seq !== lastSeq || lastRecord.seq > state.archived.seq) break;
      if (Date.parse(lastRecord.at) >= now - this.options.retentionMs) break;
      const result = await this.log.redis.eval(anchorScript, 2, this.log.keys.archiverLock, this.log.keys.anchor, token, String(lastRecord.seq), lastRecord.hash);
      if (result !== 'OK') break;
      await segments.remove(segment);
      this.firstAt.delete(segment.name);
      retired += 1;
    }
    if (retired) this.logger?.info({ segments: retired }, 'message log archive: segments past retention removed');
    return retired;
  }

  private async renew(token: string): Promise<void> {
    if (!(await renewLock(this.log.redis, this.log.keys.archiverLock, token, this.options.lockMs))) throw new Error('message log archive: lost the archiver lock; another process archives now');
  }
}

/** Segments that may hold `seq` or later: the one it falls in and every one after. */
function segmentsFrom(all: Segment[], seq: number): Segment[] {
  let start = 0;
  for (let i = 0; i < all.length; i++) if (all[i]!.firstSeq <= seq) start = i;
  return all.slice(start);
}

function parseLine(text: string, where: string): SealedRecord {
  try {
    const record = JSON.parse(text) as SealedRecord;
    if (typeof record.seq === 'number' && typeof record.hash === 'string') return record;
  } catch {
    // reported below
  }
  throw new ArchiveRefused(`${where} is not a sealed record: run gatewayctl log verify`);
}

/**
 * Runs the sealer every `sealIntervalMs` and, when given, the archiver every `archiveIntervalMs`, one after the
 * other on one timer chain in a worker process. Failures are logged (once per distinct reason) and retried.
 */
export function startMessageLogUpkeep(
  log: MessageLog,
  archiver: MessageLogArchiver | undefined,
  options: { sealIntervalMs: number; archiveIntervalMs: number },
  logger: Logger,
  onArchivePass?: (pass: ArchivePass | Error) => void,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let lastArchive = 0;
  let lastProblem = '';
  const tick = async () => {
    try {
      while (!stopped && (await log.seal()) > 0);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'message log sealing failed; will retry');
    }
    if (!archiver || stopped || Date.now() - lastArchive < options.archiveIntervalMs) return;
    lastArchive = Date.now();
    try {
      const pass = await archiver.run();
      onArchivePass?.(pass);
      if (lastProblem) logger.info('message log archiving works again');
      lastProblem = '';
    } catch (err) {
      const problem = (err as Error).message;
      onArchivePass?.(err as Error);
      if (problem !== lastProblem) logger.error({ err: problem }, 'message log archiving failed; records stay in Redis until it works');
      lastProblem = problem;
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.sealIntervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
