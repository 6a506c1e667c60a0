import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { mkdir, open, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A segment file: `segment-<seq of its first record, 12 digits>.jsonl`, one sealed record per line. */
export interface Segment {
  name: string;
  path: string;
  firstSeq: number;
}

/** One line of a segment, with where it is: the byte offset of its first byte and its 1-based line number. */
export interface SegmentLine {
  text: string;
  offset: number;
  /** 1-based when read from the start of the file; counted from `fromOffset` otherwise. */
  line: number;
}

const segmentName = /^segment-(\d{12})\.jsonl$/;
export const segmentNameFor = (firstSeq: number) => `segment-${String(firstSeq).padStart(12, '0')}.jsonl`;

/** fsync of a directory: a file created (or removed) in it survives a power loss only after this. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The archived part of the message log: append-only files of sealed records, oldest first. Nothing here
 * decides what is archived or checks the chain (message-log-archiver.ts, message-log-reader.ts); this is the
 * file handling, with every write fsynced before it is reported done.
 */
export class LogSegments {
  constructor(readonly directory: string) {}

  /** Segments in chain order. A missing directory is an empty archive. */
  list(): Segment[] {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .map((name) => ({ name, match: segmentName.exec(name) }))
      .filter((s) => s.match)
      .map((s) => ({ name: s.name, path: join(this.directory, s.name), firstSeq: Number(s.match![1]) }))
      .sort((a, b) => a.firstSeq - b.firstSeq);
  }

  /**
   * The complete lines of a segment from `fromOffset`, in order. A last line without its newline is a write the
   * archiver did not finish (it never trimmed Redis for it): it is not part of the archive and is not yielded.
   */
  async *lines(segment: Segment, fromOffset = 0): AsyncGenerator<SegmentLine> {
    const handle = await open(segment.path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(1 << 20);
      let carry = Buffer.alloc(0);
      let carryOffset = fromOffset;
      let position = fromOffset;
      let line = 0;
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
          line += 1;
          yield { text: data.toString('utf8', start, nl), offset: carryOffset + start, line };
          start = nl + 1;
        }
        carryOffset += start;
        carry = Buffer.from(data.subarray(start)); // a copy: the next read reuses chunk
      }
    } finally {
      await handle.close();
    }
  }

  /** The last complete line of the newest segment that has one, and any unfinished write after it. */
  async last(): Promise<{ segment: Segment; text?: string; partialAt?: number } | undefined> {
    const segments = this.list();
    for (let i = segments.length - 1; i >= 0; i--) {
      const tail = await this.tail(segments[i]!);
      if (tail.text !== undefined || tail.partialAt !== undefined) return { segment: segments[i]!, ...tail };
    }
    return undefined;
  }

  /**
   * A segment's last complete line, read backwards from the end (segments are large, lines are not), and where an
   * unfinished write after it starts, if there is one.
   */
  async tail(segment: Segment): Promise<{ text?: string; partialAt?: number }> {
    const handle = await open(segment.path, 'r');
    try {
      const { size } = await handle.stat();
      let buffer = Buffer.alloc(0);
      let from = size;
      // Newlines in what has been read, from the end: the first ends the last complete line, the second precedes it.
      const newlines = (): number[] => {
        const found: number[] = [];
        for (let i = buffer.length - 1; i >= 0 && found.length < 2; i--) if (buffer[i] === 10) found.push(i);
        return found;
      };
      while (from > 0 && newlines().length < 2) {
        const length = Math.min(64 << 10, from);
        from -= length;
        const chunk = Buffer.allocUnsafe(length);
        await handle.read(chunk, 0, length, from);
        buffer = Buffer.concat([chunk, buffer]);
      }
      const [end, before] = newlines();
      const partialAt = end === undefined ? (size > 0 ? 0 : undefined) : end === buffer.length - 1 ? undefined : from + end + 1;
      if (end === undefined) return { partialAt };
      const start = before === undefined ? 0 : before + 1;
      return { text: buffer.toString('utf8', start, end), partialAt };
    } finally {
      await handle.close();
    }
  }

  /** Cuts an unfinished write off the end of a segment (only the archiver, holding its lock, calls this). */
  async cutAt(segment: Segment, offset: number): Promise<void> {
    await truncate(segment.path, offset);
    const handle = await open(segment.path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async sizeOf(segment: Segment): Promise<number> {
    return (await stat(segment.path)).size;
  }

  /** Appends whole lines and fsyncs them (and the directory, when the file is new) before returning. */
  async append(firstSeqOfFile: number, lines: string[]): Promise<Segment> {
    await mkdir(this.directory, { recursive: true });
    const name = segmentNameFor(firstSeqOfFile);
    const path = join(this.directory, name);
    const created = await stat(path).then(
      () => false,
      () => true,
    );
    const handle = await open(path, 'a');
    try {
      await handle.write(lines.map((l) => l + '\n').join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) syncDirectory(this.directory);
    return { name, path, firstSeq: firstSeqOfFile };
  }

  /** Deletes a segment for good (retention); the directory is fsynced so it does not come back after a crash. */
  async remove(segment: Segment): Promise<void> {
    await unlink(segment.path);
    syncDirectory(this.directory);
  }
}
