import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/connections.ts';
import type { Envelope } from './envelope.ts';

/**
 * Which messages concern a dossier, across destinations, in the order they arrived. The API indexes a message
 * when it accepts it; the worker writes it again when it takes the job (ZADD is idempotent) where it may be missing
 * (needsRepair), so a failed write at acceptance, or an entry expired while its message waited, is repaired before
 * delivery. Entries expire with the retention period, counted from the dossier's last write.
 */
export class DossierTimeline {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly retentionMs: number,
  ) {}

  private key(dossierCode: string): string {
    return `${this.prefix}:timeline:{${dossierCode}}`;
  }

  /** A pipeline on the timeline's connection, for callers that batch their writes with the index. */
  redisPipeline(): ChainableCommander {
    return this.redis.pipeline();
  }

  /** The index entry of a message, for a script that writes it together with the message (accept-script.ts). */
  entryOf(envelope: Envelope, destination: string): { key: string; score: number; member: string; retentionMs: number } {
    return { key: this.key(envelope.dossierCode), score: Date.parse(envelope.receivedAt), member: `${destination}|${envelope.messageId}`, retentionMs: this.retentionMs };
  }

  /**
   * Whether a worker taking this message should write its entry again. On its first attempt, unless the script that
   * stored the job wrote it too (Envelope.timelineIndexed); on any attempt, once the entry may have expired (half the
   * retention after acceptance: a message waiting longer, in a stopped queue, between retries or as a dead letter
   * retried late).
   */
  needsRepair(envelope: Envelope, firstAttempt: boolean, now = Date.now()): boolean {
    return (firstAttempt && !envelope.timelineIndexed) || now - Date.parse(envelope.receivedAt) > this.retentionMs / 2;
  }

  /** Two commands sent together (no pipeline object: on one server or a Sentinel primary they leave in one write anyway, coalesce-writes.ts). */
  async index(envelope: Envelope, destination: string): Promise<void> {
    const { key, score, member, retentionMs } = this.entryOf(envelope, destination);
    await Promise.all([this.redis.zadd(key, score, member), this.redis.pexpire(key, retentionMs)]);
  }

  /** Adds the index commands to a caller's pipeline, to share its round trip. */
  indexInto(pipeline: ChainableCommander, envelope: Envelope, destination: string): ChainableCommander {
    const { key, score, member, retentionMs } = this.entryOf(envelope, destination);
    return pipeline.zadd(key, score, member).pexpire(key, retentionMs);
  }

  /** [destination, messageId] in arrival order. */
  async entries(dossierCode: string): Promise<Array<[string, string]>> {
    const members = await this.redis.zrange(this.key(dossierCode), 0, -1);
    return members.map((m) => m.split('|', 2) as [string, string]);
  }
}
