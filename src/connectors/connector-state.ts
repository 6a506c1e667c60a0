import type { RedisClient } from '../redis/connections.ts';
import { LuaScript } from '../redis/lua-script.ts';

/**
 * HSET and PEXPIRE as one command: atomic like MULTI/EXEC (a record never outlives its lifetime), but one command on
 * the wire instead of four and no pipeline object per write (a delivery writes one of these per message).
 * KEYS[1] the record; ARGV[1] lifetime ms, ARGV[2..] field, value, ...
 */
const writeRecord = new LuaScript("if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 1");

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
    await writeRecord.run(this.redis, [`${this.namespace}:${key}`], [ttlMs, ...Object.entries(fields).flat()]);
  }
}
