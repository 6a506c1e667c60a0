import { createHash, createHmac } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import { scrubPersonalData } from '../logging/logger.ts';

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

export interface MessageLogVerdict {
  ok: boolean;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The first record that is missing or altered. */
  broken?: { seq: number; problem: 'missing' | 'altered' | 'unlinked' };
}

const genesis = '0'.repeat(64);
/**
 * A record's hash covers everything in it, its seq and the previous record's hash included: re-linking the chain
 * around an edited record changes the next record's hash too, so an edit cannot be hidden by rewriting one link.
 */
export const hashOf = (record: Omit<SealedRecord, 'hash'>) => createHash('sha256').update(JSON.stringify(record)).digest('hex');

/**
 * A hash-chained log of every message in and out. Appending is one RPUSH (off the hot path's critical
 * section); one sealer at a time (a Redis lock) turns pending entries into records, each carrying the hash of
 * the one before, in batches, so the cost does not grow with traffic. Altering or removing any record breaks
 * the chain at that point, and `verify` says where.
 */
export class MessageLog {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly piiSalt: string,
  ) {
    this.keys = {
      pending: `${prefix}:msglog:pending`,
      records: `${prefix}:msglog:records`,
      head: `${prefix}:msglog:head`,
      anchor: `${prefix}:msglog:anchor`,
      lock: `${prefix}:msglog:sealer`,
    };
  }

  /** Personal data in a logged body becomes a salted HMAC: linkable for an auditor who has the salt, unreadable otherwise. */
  protectBody(body: unknown): unknown {
    if (typeof body !== 'object' || body === null) return body;
    return scrubPersonalData(body as Record<string, unknown>, 0, (value) => `hmac:${createHmac('sha256', this.piiSalt).update(JSON.stringify(value)).digest('hex').slice(0, 32)}`);
  }

  async append(entry: Omit<MessageLogEntry, 'at'>): Promise<void> {
    await this.appendInto(this.redis.pipeline(), entry).exec();
  }

  /** Adds the append to a caller's pipeline, to share its round trip. */
  appendInto(pipeline: ChainableCommander, entry: Omit<MessageLogEntry, 'at'>): ChainableCommander {
    const protectedEntry: MessageLogEntry = { at: new Date().toISOString(), ...entry, body: entry.body === undefined ? undefined : this.protectBody(entry.body) };
    return pipeline.rpush(this.keys.pending, JSON.stringify(protectedEntry));
  }

  /** Seals up to `batch` pending entries; returns how many. Safe to call from many processes at once. */
  async seal(batch = 1000): Promise<number> {
    const token = `${process.pid}-${Math.random()}`;
    if ((await this.redis.set(this.keys.lock, token, 'PX', 30_000, 'NX')) !== 'OK') return 0;
    try {
      const pending = await this.redis.lrange(this.keys.pending, 0, batch - 1);
      if (pending.length === 0) return 0;
      const head = await this.redis.hgetall(this.keys.head);
      let seq = head.seq ? Number(head.seq) : 0;
      let prevHash = head.hash ?? genesis;
      const fields: string[] = [];
      for (const line of pending) {
        seq += 1;
        const unsealed = { ...(JSON.parse(line) as MessageLogEntry), seq, prevHash };
        const hash = hashOf(unsealed);
        fields.push(String(seq), JSON.stringify({ ...unsealed, hash }));
        prevHash = hash;
      }
      // All or nothing: the records, the new head and the removal from pending.
      await this.redis.multi().hset(this.keys.records, ...fields).hset(this.keys.head, 'seq', seq, 'hash', prevHash).ltrim(this.keys.pending, pending.length, -1).exec();
      return pending.length;
    } finally {
      if ((await this.redis.get(this.keys.lock)) === token) await this.redis.del(this.keys.lock);
    }
  }

  /** Removes records older than `olderThanMs`, oldest first, moving the anchor so the chain stays verifiable. */
  async applyRetention(olderThanMs: number, now = Date.now()): Promise<number> {
    const anchor = await this.redis.hgetall(this.keys.anchor);
    const head = await this.redis.hgetall(this.keys.head);
    let seq = anchor.seq ? Number(anchor.seq) + 1 : 1;
    const last = head.seq ? Number(head.seq) : 0;
    let removed = 0;
    while (seq <= last) {
      const text = await this.redis.hget(this.keys.records, String(seq));
      if (!text) break;
      const record = JSON.parse(text) as SealedRecord;
      if (Date.parse(record.at) >= now - olderThanMs) break;
      await this.redis.multi().hset(this.keys.anchor, 'seq', record.seq, 'hash', record.hash).hdel(this.keys.records, String(seq)).exec();
      removed += 1;
      seq += 1;
    }
    return removed;
  }

  /** Recomputes the chain from the retention anchor to the head. */
  async verify(): Promise<MessageLogVerdict> {
    const [anchor, head] = await Promise.all([this.redis.hgetall(this.keys.anchor), this.redis.hgetall(this.keys.head)]);
    const first = anchor.seq ? Number(anchor.seq) + 1 : 1;
    const last = head.seq ? Number(head.seq) : 0;
    let prevHash = anchor.hash ?? genesis;
    let records = 0;
    for (let from = first; from <= last; from += 500) {
      const seqs = Array.from({ length: Math.min(500, last - from + 1) }, (_, i) => String(from + i));
      const texts = await this.redis.hmget(this.keys.records, ...seqs);
      for (let i = 0; i < seqs.length; i++) {
        const seq = from + i;
        const text = texts[i];
        if (!text) return { ok: false, records, firstSeq: first, lastSeq: last, broken: { seq, problem: 'missing' } };
        const { hash, ...unsealed } = JSON.parse(text) as SealedRecord;
        if (unsealed.seq !== seq || hashOf(unsealed) !== hash) return { ok: false, records, firstSeq: first, lastSeq: last, broken: { seq, problem: 'altered' } };
        if (unsealed.prevHash !== prevHash) return { ok: false, records, firstSeq: first, lastSeq: last, broken: { seq, problem: 'unlinked' } };
        prevHash = hash;
        records += 1;
      }
    }
    if (last > 0 && prevHash !== head.hash) return { ok: false, records, firstSeq: first, lastSeq: last, broken: { seq: last, problem: 'altered' } };
    return { ok: true, records, firstSeq: records ? first : null, lastSeq: records ? last : null };
  }

  /** Sealed records in order, for auditors (NDJSON lines). */
  async *export(): AsyncGenerator<string> {
    const [anchor, head] = await Promise.all([this.redis.hgetall(this.keys.anchor), this.redis.hgetall(this.keys.head)]);
    const last = head.seq ? Number(head.seq) : 0;
    for (let from = anchor.seq ? Number(anchor.seq) + 1 : 1; from <= last; from += 500) {
      const seqs = Array.from({ length: Math.min(500, last - from + 1) }, (_, i) => String(from + i));
      for (const text of await this.redis.hmget(this.keys.records, ...seqs)) if (text) yield text + '\n';
    }
  }
}

/** Retention needs no more than a pass a minute; sealing runs every interval. */
const retentionEveryMs = 60_000;

/** Runs the sealer (every intervalMs) and retention (every minute) on a timer in a worker process. */
export function startMessageLogSealer(log: MessageLog, options: { intervalMs: number; retentionMs: number }, logger: Logger): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let lastRetention = 0;
  const tick = async () => {
    try {
      while (!stopped && (await log.seal()) > 0);
      if (Date.now() - lastRetention >= retentionEveryMs) {
        lastRetention = Date.now();
        await log.applyRetention(options.retentionMs);
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'message log sealing failed; will retry');
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
