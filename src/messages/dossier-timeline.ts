import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/connections.ts';
import type { Envelope } from './envelope.ts';

/**
 * Which messages concern a dossier, across destinations, in the order they arrived. The API indexes a message
 * when it accepts it and the worker again when it takes it (ZADD is idempotent), so a failed write at acceptance
 * is repaired before delivery. Entries expire with the retention period.
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

  /** Two commands sent together (no pipeline object: on an auto-pipelined connection they share a round trip anyway). */
  async index(envelope: Envelope, destination: string): Promise<void> {
    const key = this.key(envelope.dossierCode);
    await Promise.all([this.redis.zadd(key, Date.parse(envelope.receivedAt), `${destination}|${envelope.messageId}`), this.redis.pexpire(key, this.retentionMs)]);
  }

  /** Adds the index commands to a caller's pipeline, to share its round trip. */
  indexInto(pipeline: ChainableCommander, envelope: Envelope, destination: string): ChainableCommander {
    const key = this.key(envelope.dossierCode);
    return pipeline.zadd(key, Date.parse(envelope.receivedAt), `${destination}|${envelope.messageId}`).pexpire(key, this.retentionMs);
  }

  /** [destination, messageId] in arrival order. */
  async entries(dossierCode: string): Promise<Array<[string, string]>> {
    const members = await this.redis.zrange(this.key(dossierCode), 0, -1);
    return members.map((m) => m.split('|', 2) as [string, string]);
  }
}
