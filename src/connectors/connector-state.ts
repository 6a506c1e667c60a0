import type { RedisClient } from '../redis/connections.ts';

/**
 * Small durable records a connector keeps about its remote system, shared by every worker process: which dossiers
 * the national portal already has, which calls of a message already succeeded. One Redis hash per key.
 */
export interface ConnectorState {
  /** The record's fields; {} when there is none. */
  read(key: string): Promise<Record<string, string>>;
  /** Sets these fields (others stay) and the record's lifetime, in one round trip. */
  write(key: string, fields: Record<string, string>, ttlMs: number): Promise<void>;
}

export class RedisConnectorState implements ConnectorState {
  constructor(
    private readonly redis: RedisClient,
    /** `<prefix>:connector:<destination>` */
    private readonly namespace: string,
  ) {}

  read(key: string): Promise<Record<string, string>> {
    return this.redis.hgetall(`${this.namespace}:${key}`);
  }

  async write(key: string, fields: Record<string, string>, ttlMs: number): Promise<void> {
    const fullKey = `${this.namespace}:${key}`;
    await this.redis.multi().hset(fullKey, fields).pexpire(fullKey, ttlMs).exec();
  }
}
