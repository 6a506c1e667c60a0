import { createHash, createHmac, hash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/connections.ts';
import { scrubPersonalData } from '../logging/logger.ts';
import { LuaScript } from '../redis/lua-script.ts';
import { releaseLock, takeLock } from '../redis/token-lock.ts';
import { LogSegments } from './log-segments.ts';

/** One inbound or outbound message as the audit log keeps it. */
export interface MessageLogEntry {
  at: string;
  direction: 'inbound' | 'outbound';
  messageId?: string;
  partner?: string;
  destination?: string;
  type: string;
  /** queued, duplicate, delivered, dead, or the refusal code. */
  outcome: string;
  bodySha256?: string;
  /** The message with personal data replaced by salted HMACs (same person → same value, not reversible). */
  body?: unknown;
}

export interface SealedRecord extends MessageLogEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** A point of the chain: a record's seq and hash (seq 0 and the genesis hash before the first record). */
export interface ChainLink {
  seq: number;
  hash: string;
}

/**
 * Where the chain stands in Redis. Records after `archived` up to `head` are in Redis; records after `anchor` up
 * to `archived` are in segment files; records up to `anchor` were removed by retention.
 */
export interface ChainState {
  anchor: ChainLink;
  archived: ChainLink;
  head: ChainLink;
  /** Names the archive directory of this chain; absent until the archiver first runs. */
  chainId?: string;
}

export const genesis = '0'.repeat(64);
/** Stands for the message id in a line whose id is filled in by a script (lineAround); never a real id. */
const messageIdSlot = '\u0000messageId\u0000';
/**
 * A record's hash covers everything in it, its seq and the previous record's hash included: re-linking the chain
 * around an edited record changes the next record's hash too, so an edit cannot be hidden by rewriting one link.
 */
export const hashOf = (record: Omit<SealedRecord, 'hash'>) => createHash('sha256').update(JSON.stringify(record)).digest('hex');

/**
 * A record's hash and its stored text, `JSON.stringify({ ...unsealed, hash })`, from one serialisation: the hash is
 * the last key (readPending lets no line bring a hash of its own), so the text is the hashed text with it appended.
 */
function sealedText(unsealed: Omit<SealedRecord, 'hash'>): { recordHash: string; text: string } {
  const hashed = JSON.stringify(unsealed);
  const recordHash = hash('sha256', hashed, 'hex');
  return { recordHash, text: `${hashed.slice(0, -1)},"hash":"${recordHash}"}` };
}

/**
 * Writes a sealed batch: the records, their index, the new head and the removal from pending, if the head is still
 * the one the batch was sealed after (ARGV[1], '' for none); else nothing, and 0.
 * KEYS: records, by-message index, head, pending. ARGV[2..3] the new head's seq and hash, ARGV[4] how many pending
 * entries the batch sealed, ARGV[5] n, then n record field/value arguments, then the index's score/member pairs.
 */
const commitBatch = new LuaScript(`
if (redis.call('HGET', KEYS[3], 'seq') or '') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + n))
if #ARGV > 5 + n then redis.call('ZADD', KEYS[2], unpack(ARGV, 6 + n, #ARGV)) end
redis.call('HSET', KEYS[3], 'seq', ARGV[2], 'hash', ARGV[3])
redis.call('LTRIM', KEYS[4], tonumber(ARGV[4]), -1)
return 1`);

const linkOf = (fields: Record<string, string>, fallback: ChainLink): ChainLink => (fields.seq ? { seq: Number(fields.seq), hash: fields.hash! } : fallback);

/**
 * A pending line as written by append(). One that is not such an entry (it never should be: cut off, not an object,
 * or carrying a `hash` of its own, which the record's hash would overwrite and verification then call altered) is
 * sealed as what it is, by its digest, rather than stopping the sealer or breaking the chain for every line after it.
 */
function readPending(line: string): MessageLogEntry {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    entry = undefined;
  }
  if (entry && typeof entry === 'object' && !Array.isArray(entry) && !Object.hasOwn(entry, 'hash')) return entry as MessageLogEntry;
  return { at: new Date().toISOString(), direction: 'inbound', type: 'message-log', outcome: 'UNREADABLE_ENTRY', bodySha256: hash('sha256', line, 'hex') };
}

/**
 * A hash-chained log of every message in and out. Appending is one RPUSH (off the hot path's critical
 * section); one sealer at a time (a Redis lock) turns pending entries into records, each carrying the hash of
 * the one before, in batches, so the cost does not grow with traffic. Altering or removing any record breaks
 * the chain at that point, and `verify` (message-log-reader.ts) says where.
 *
 * Redis holds only the recent records: the archiver (message-log-archiver.ts) moves older ones to segment
 * files on disk, and the chain runs on from the last archived record into Redis.
 */
export class MessageLog {
  readonly keys;

  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
    private readonly piiSalt: string,
    /** messageLog.archive.directory, resolved: each chain's segments are in a folder of it named after the chain. */
    readonly archiveRoot?: string,
  ) {
    this.keys = {
      pending: `${prefix}:msglog:pending`,
      records: `${prefix}:msglog:records`,
      /** Sorted set of `<messageId> <seq>` (score 0) for the records in Redis: a message's records by prefix range. */
      byMessage: `${prefix}:msglog:by-message`,
      head: `${prefix}:msglog:head`,
      anchor: `${prefix}:msglog:anchor`,
      archived: `${prefix}:msglog:archived`,
      chainId: `${prefix}:msglog:chain-id`,
      lock: `${prefix}:msglog:sealer`,
      archiverLock: `${prefix}:msglog:archiver`,
    };
  }

  /** Personal data in a logged body becomes a salted HMAC: linkable for an auditor who has the salt, unreadable otherwise. */
  protectBody(body: unknown): unknown {
    if (typeof body !== 'object' || body === null) return body;
    return scrubPersonalData(body as Record<string, unknown>, 0, (value) => `hmac:${createHmac('sha256', this.piiSalt).update(JSON.stringify(value)).digest('hex').slice(0, 32)}`);
  }

  /** One RPUSH (no pipeline object of its own: the hot paths call this once per message). */
  async append(entry: Omit<MessageLogEntry, 'at'>): Promise<void> {
    await this.redis.rpush(this.keys.pending, this.pendingLine(entry));
  }

  /** Adds the append to a caller's pipeline, to share its round trip. */
  appendInto(pipeline: ChainableCommander, entry: Omit<MessageLogEntry, 'at'>): ChainableCommander {
    return pipeline.rpush(this.keys.pending, this.pendingLine(entry));
  }

  private pendingLine(entry: Omit<MessageLogEntry, 'at'>, at = new Date().toISOString()): string {
    const protectedEntry: MessageLogEntry = { at, ...entry, body: entry.body === undefined ? undefined : this.protectBody(entry.body) };
    return JSON.stringify(protectedEntry);
  }

  /**
   * The pending line of an entry whose message id is decided in Redis (the accept script: the new message's own, or
   * the original's for a duplicate): the text before the id and after it. The same line `append` would write.
   */
  lineAround(entry: Omit<MessageLogEntry, 'at' | 'messageId'>, at: string): [before: string, after: string] {
    const { direction, ...rest } = entry;
    const line = this.pendingLine({ direction, messageId: messageIdSlot, ...rest }, at); // the order append() writes
    // The first match: the id comes before the body, and a partner's body may hold the same text (split would cut it).
    const slot = JSON.stringify(messageIdSlot);
    const where = line.indexOf(slot);
    return [line.slice(0, where + 1), line.slice(where + slot.length - 1)];
  }

  /**
   * Seals up to `batch` pending entries; returns how many. Safe to call from many processes at once.
   * The batch is sealed in one synchronous stretch (parse, hash, serialise: ~10 µs an entry), during which the
   * worker process's deliveries wait: 250 keeps that under a few milliseconds; the upkeep loop calls again at once.
   */
  async seal(batch = 250): Promise<number> {
    const token = await takeLock(this.redis, this.keys.lock, 30_000);
    if (!token) return 0;
    try {
      const pending = await this.redis.lrange(this.keys.pending, 0, batch - 1);
      if (pending.length === 0) return 0;
      const head = await this.redis.hgetall(this.keys.head);
      // The batch below is one synchronous stretch: let the commands other deliveries sent meanwhile leave first
      // (a coalesced connection writes them at the end of this tick, coalesce-writes.ts).
      await new Promise((resolve) => setImmediate(resolve));
      let seq = head.seq ? Number(head.seq) : 0;
      let prevHash = head.hash ?? genesis;
      const fields: string[] = [];
      const index: Array<number | string> = [];
      for (const line of pending) {
        seq += 1;
        const unsealed = { ...readPending(line), seq, prevHash };
        const { recordHash, text } = sealedText(unsealed);
        fields.push(String(seq), text);
        if (unsealed.messageId) index.push(0, `${unsealed.messageId} ${seq}`);
        prevHash = recordHash;
      }
      // All or nothing, and only onto the head this batch was sealed after: a sealer paused past its lock (a long GC,
      // a frozen VM) must not write a second chain over the records another sealer committed meanwhile.
      const { keys } = this;
      const committed = await commitBatch.run(this.redis, [keys.records, keys.byMessage, keys.head, keys.pending], [head.seq ?? '', seq, prevHash, pending.length, fields.length, ...fields, ...index]);
      return committed === 1 ? pending.length : 0;
    } finally {
      await releaseLock(this.redis, this.keys.lock, token);
    }
  }

  /** Anchor, archived point and head, read together. Before any archiving, everything after the anchor is in Redis. */
  async state(): Promise<ChainState> {
    const [anchorFields, archivedFields, headFields, chainId] = await this.redis
      .multi()
      .hgetall(this.keys.anchor)
      .hgetall(this.keys.archived)
      .hgetall(this.keys.head)
      .get(this.keys.chainId)
      .exec()
      .then((results) => results!.map(([err, value]) => {
        if (err) throw err;
        return value;
      }) as [Record<string, string>, Record<string, string>, Record<string, string>, string | null]);
    const anchor = linkOf(anchorFields, { seq: 0, hash: genesis });
    const archived = linkOf(archivedFields, anchor);
    return { anchor, archived, head: linkOf(headFields, archived), chainId: chainId ?? undefined };
  }

  /** The segment files of this chain, when an archive directory is configured and the chain has one. */
  segments(state: Pick<ChainState, 'chainId'>): LogSegments | undefined {
    if (!this.archiveRoot || !state.chainId) return undefined;
    return new LogSegments(join(resolve(this.archiveRoot), `${this.prefix}-${state.chainId}`));
  }

  /** The raw texts of records `from`..`to` in Redis (null where missing), in pages. */
  async *redisRecords(from: number, to: number, page = 500): AsyncGenerator<{ seq: number; text: string | null }> {
    for (let start = from; start <= to; start += page) {
      const seqs = Array.from({ length: Math.min(page, to - start + 1) }, (_, i) => String(start + i));
      const texts = await this.redis.hmget(this.keys.records, ...seqs);
      for (let i = 0; i < seqs.length; i++) yield { seq: start + i, text: texts[i] ?? null };
    }
  }

  /** The records of one message still in Redis, oldest first. */
  async redisRecordsOf(messageId: string): Promise<SealedRecord[]> {
    if (/\s/.test(messageId)) return [];
    const members = await this.redis.zrangebylex(this.keys.byMessage, `[${messageId} `, `[${messageId} ~`);
    const seqs = members.map((m) => m.slice(messageId.length + 1));
    if (!seqs.length) return [];
    const texts = await this.redis.hmget(this.keys.records, ...seqs);
    return texts.filter((t): t is string => !!t).map((t) => JSON.parse(t) as SealedRecord).sort((a, b) => a.seq - b.seq);
  }

  /** Not yet archived: sealed records in Redis after the archived point, plus entries waiting to be sealed. */
  async lag(): Promise<{ records: number; oldestAt?: string }> {
    const state = await this.state();
    const pending = await this.redis.llen(this.keys.pending);
    let oldest: string | null = state.head.seq > state.archived.seq ? await this.redis.hget(this.keys.records, String(state.archived.seq + 1)) : null;
    if (!oldest && pending) oldest = await this.redis.lindex(this.keys.pending, 0);
    return { records: state.head.seq - state.archived.seq + pending, oldestAt: oldest ? (JSON.parse(oldest) as MessageLogEntry).at : undefined };
  }
}
