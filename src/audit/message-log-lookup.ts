import { stat } from 'node:fs/promises';
import type { MessageLog, SealedRecord } from './message-log.ts';

/**
 * A message's records by its id, wherever they are: Redis (its by-message index) or the segment files. For
 * the files, each process keeps an index (message id → line offsets) of the segments written to within
 * `windowMs`, built once and extended as they grow (they are append-only). Older segments are not searched:
 * nothing asks about a message older than a delivered job would have been kept (retention.deliveredMs).
 */
export class MessageLogLookup {
  private readonly indexed = new Map<string, { size: number; offsets: Map<string, number[]> }>();
  private building: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: MessageLog,
    private readonly windowMs: number,
  ) {}

  async recordsOf(messageId: string): Promise<SealedRecord[]> {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(messageId)) return []; // not an id the gateway gives
    const [inRedis, archived] = await Promise.all([this.log.redisRecordsOf(messageId), this.fromArchive(messageId)]);
    const bySeq = new Map<number, SealedRecord>();
    for (const record of [...archived, ...inRedis]) bySeq.set(record.seq, record);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  private async fromArchive(messageId: string): Promise<SealedRecord[]> {
    const segments = this.log.segments(await this.log.state());
    if (!segments) return [];
    // One index update at a time per process: concurrent lookups wait for it rather than each reading the files.
    const update = this.building.then(() => this.updateIndex());
    this.building = update.catch(() => undefined);
    const current = await update;
    const found: SealedRecord[] = [];
    for (const segment of current) {
      for (const offset of this.indexed.get(segment.path)?.offsets.get(messageId) ?? []) {
        for await (const line of segments.lines(segment, offset)) {
          found.push(JSON.parse(line.text) as SealedRecord);
          break;
        }
      }
    }
    return found;
  }

  private async updateIndex() {
    const segments = this.log.segments(await this.log.state())!;
    const recent = [];
    for (const segment of segments.list()) {
      const info = await stat(segment.path).catch(() => undefined);
      if (!info || info.mtimeMs < Date.now() - this.windowMs) continue; // every record in it is older than the window
      recent.push(segment);
      const entry = this.indexed.get(segment.path) ?? { size: 0, offsets: new Map<string, number[]>() };
      this.indexed.set(segment.path, entry);
      if (info.size <= entry.size) continue;
      for await (const line of segments.lines(segment, entry.size)) {
        const id = messageIdOf(line.text);
        if (id) entry.offsets.set(id, [...(entry.offsets.get(id) ?? []), line.offset]);
        entry.size = line.offset + Buffer.byteLength(line.text) + 1;
      }
    }
    const live = new Set(recent.map((s) => s.path));
    for (const path of this.indexed.keys()) if (!live.has(path)) this.indexed.delete(path);
    return recent;
  }
}

function messageIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as SealedRecord).messageId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined; // verify reports unreadable lines; a lookup just does not find them
  }
}
