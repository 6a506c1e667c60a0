import { hashOf, type MessageLog, type SealedRecord } from './message-log.ts';

/** The first record where the chain breaks, and where it is: a segment file and line, or a Redis key and field. */
export interface BrokenRecord {
  seq: number;
  problem: 'missing' | 'altered' | 'unlinked' | 'duplicate';
  /** In words, for an operator. */
  reason: string;
  segment?: string;
  line?: number;
  redisKey?: string;
}

export interface MessageLogVerdict {
  ok: boolean;
  /** Records verified (before the break, if any). */
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Of the records verified: how many were read from segment files, and from how many files. */
  archived: { records: number; segments: number };
  broken?: BrokenRecord;
}

/** Where a record was read: a line of a segment file, or a field of Redis's records hash. */
export type RecordSource = { segment: string; line: number } | { redisKey: string };

const problemWords = {
  missing: 'missing',
  altered: 'its hash does not match its content',
  unlinked: 'its prevHash is not the hash of the record before it',
  duplicate: 'a seq that came before',
} as const;

type ChainState = Awaited<ReturnType<MessageLog['state']>>;
type WalkItem =
  | { kind: 'start'; state: ChainState }
  | { kind: 'record'; seq?: number; record?: SealedRecord; text: string | null; source: RecordSource }
  | { kind: 'archive-end'; lastSeq: number };

/**
 * Every record of the chain in order, from the retention anchor through the segment files and on into Redis,
 * with where each came from. Lines that are not records come with `record` undefined. Records a crashed
 * archiver left both on disk and in Redis are read from disk only. The archiver may move records while this
 * reads: they reach the disk before they leave Redis, so a record gone from Redis is read on from the files.
 */
async function* walk(log: MessageLog): AsyncGenerator<WalkItem> {
  const state = await log.state();
  yield { kind: 'start', state };
  const segments = log.segments(state);
  let lastSeq = state.anchor.seq;
  // How far the files have been read: a segment, the offset after its last complete line read, and that line's number.
  const cursor = { name: '', offset: 0, line: 0 };
  async function* readFiles(): AsyncGenerator<WalkItem> {
    for (const segment of segments?.list() ?? []) {
      if (segment.name < cursor.name) continue; // names are zero-padded seqs: their order is the chain's
      if (segment.name !== cursor.name) Object.assign(cursor, { name: segment.name, offset: 0, line: 0 });
      for await (const line of segments!.lines(segment, cursor.offset)) {
        cursor.offset = line.offset + Buffer.byteLength(line.text) + 1;
        cursor.line += 1;
        const record = parse(line.text);
        // Retention moves the anchor before it removes the file: lines up to the anchor are no longer part of the chain.
        if (record && record.seq <= state.anchor.seq) continue;
        if (record) lastSeq = Math.max(lastSeq, record.seq);
        yield { kind: 'record', record, text: line.text, source: { segment: segment.name, line: cursor.line } };
      }
    }
  }
  yield* readFiles();
  yield { kind: 'archive-end', lastSeq };
  let from = Math.max(lastSeq, state.archived.seq) + 1;
  reading: while (from <= state.head.seq) {
    for await (const { seq, text } of log.redisRecords(from, state.head.seq)) {
      if (text === null && (await log.state()).archived.seq >= seq) {
        yield* readFiles();
        if (lastSeq >= seq) {
          from = lastSeq + 1;
          continue reading;
        }
      }
      yield { kind: 'record', seq, record: text ? parse(text) : undefined, text, source: { redisKey: `${log.keys.records} ${seq}` } };
      from = seq + 1;
    }
    break;
  }
}

function parse(text: string): SealedRecord | undefined {
  try {
    const record = JSON.parse(text) as SealedRecord;
    return typeof record === 'object' && record !== null && typeof record.seq === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}

const where = (source: RecordSource) => ('segment' in source ? { segment: source.segment, line: source.line } : { redisKey: source.redisKey });

/**
 * Recomputes the whole chain, segment files and Redis, and names the first record that is missing, altered,
 * re-linked or repeated. The head in Redis closes the chain: a record cut from the end is found too.
 */
export async function verifyMessageLog(log: MessageLog): Promise<MessageLogVerdict> {
  let state: ChainState | undefined;
  let records = 0;
  let expected = 0;
  let prevHash = '';
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const archived = { records: 0, segments: new Set<string>() };
  const verdict = (broken?: BrokenRecord): MessageLogVerdict => ({ ok: !broken, records, firstSeq, lastSeq, archived: { records: archived.records, segments: archived.segments.size }, ...(broken ? { broken } : {}) });
  for await (const item of walk(log)) {
    if (item.kind === 'start') {
      state = item.state;
      expected = state.anchor.seq + 1;
      prevHash = state.anchor.hash;
      continue;
    }
    if (item.kind === 'archive-end') {
      if (expected <= state!.archived.seq) {
        return verdict({ seq: expected, problem: 'missing', reason: `Redis says records up to seq ${state!.archived.seq} were archived, but no segment file holds seq ${expected}` });
      }
      continue;
    }
    const { record, source } = item;
    if (item.text === null) return verdict({ seq: item.seq ?? expected, problem: 'missing', reason: 'missing', ...where(source) });
    if (!record) return verdict({ seq: expected, problem: 'altered', reason: 'not a sealed record (unreadable JSON or no seq)', ...where(source) });
    if (record.seq > expected) return verdict({ seq: expected, problem: 'missing', reason: `missing: the next record found is seq ${record.seq}`, ...where(source) });
    if (record.seq < expected) return verdict({ seq: record.seq, problem: 'duplicate', reason: `seq ${record.seq} again after seq ${expected - 1}`, ...where(source) });
    const { hash, ...unsealed } = record;
    if (hashOf(unsealed) !== hash) return verdict({ seq: record.seq, problem: 'altered', reason: problemWords.altered, ...where(source) });
    if (record.prevHash !== prevHash) return verdict({ seq: record.seq, problem: 'unlinked', reason: problemWords.unlinked, ...where(source) });
    prevHash = hash;
    expected = record.seq + 1;
    firstSeq ??= record.seq;
    lastSeq = record.seq;
    records += 1;
    if ('segment' in source) {
      archived.records += 1;
      archived.segments.add(source.segment);
    }
  }
  const head = state!.head;
  if (head.seq >= expected) return verdict({ seq: expected, problem: 'missing', reason: `missing: Redis's head is seq ${head.seq}`, redisKey: `${log.keys.records} ${expected}` });
  if (head.hash !== prevHash) return verdict({ seq: head.seq, problem: 'altered', reason: "the head recorded in Redis is not the last record's hash", redisKey: log.keys.head });
  return verdict();
}

/** Which records to export: by seq, by time (`at`), or both; all when empty. */
export interface ExportRange {
  fromSeq?: number;
  toSeq?: number;
  from?: number;
  to?: number;
}

/** Sealed records in order, segment files then Redis, as NDJSON lines exactly as stored (so they can be verified). */
export async function* exportMessageLog(log: MessageLog, range: ExportRange = {}): AsyncGenerator<string> {
  for await (const item of walk(log)) {
    if (item.kind !== 'record' || !item.text) continue;
    const record = item.record;
    if (!record) {
      yield item.text + '\n'; // an unreadable line is exported as is: hiding it would hide tampering
      continue;
    }
    if (range.toSeq !== undefined && record.seq > range.toSeq) return;
    if (range.fromSeq !== undefined && record.seq < range.fromSeq) continue;
    const at = Date.parse(record.at);
    if ((range.from !== undefined && at < range.from) || (range.to !== undefined && at > range.to)) continue;
    yield item.text + '\n';
  }
}
