import type { MessageLog, MessageLogEntry } from '../audit/message-log.ts';

/** At most this many records are read back per question: the views are a look at today, not an export. */
const maxRecordsRead = 20_000;

export interface RecentEntries {
  entries: MessageLogEntry[];
  /** False when older records of the window were not read: archived to files, or beyond maxRecordsRead. */
  complete: boolean;
}

/**
 * Message-log entries of the given types at or after `since`, newest first: the entries still waiting to be sealed,
 * then the sealed records in Redis from the head back. Records the archiver already moved to files are not read
 * (their window is messageLog.archive.keepMs); `complete` says whether the window was covered.
 */
export async function recentEntries(log: MessageLog, types: string[], since: number): Promise<RecentEntries> {
  const wanted = new Set(types);
  const entries: MessageLogEntry[] = [];
  const pending = (await log.redis.lrange(log.keys.pending, 0, -1)).map((text) => JSON.parse(text) as MessageLogEntry).reverse();
  const state = await log.state();
  let read = 0;
  let reachedSince = false;
  const take = (entry: MessageLogEntry) => {
    if (Date.parse(entry.at) < since) return false;
    if (wanted.has(entry.type)) entries.push(entry);
    return true;
  };
  for (const entry of pending) take(entry);
  const page = 500;
  reading: for (let to = state.head.seq; to > state.archived.seq && read < maxRecordsRead; to -= page) {
    const from = Math.max(state.archived.seq + 1, to - page + 1);
    const seqs = Array.from({ length: to - from + 1 }, (_, i) => String(to - i));
    const texts = await log.redis.hmget(log.keys.records, ...seqs);
    for (const text of texts) {
      read += 1;
      if (!text) continue;
      if (!take(JSON.parse(text) as MessageLogEntry)) {
        reachedSince = true;
        break reading;
      }
    }
  }
  const everythingInRedis = state.archived.seq === state.anchor.seq;
  return { entries, complete: reachedSince || (everythingInRedis && read < maxRecordsRead) };
}
