import type { RedisClient } from '../redis/connections.ts';

export interface AuditEntry {
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  reason: string;
  /** How many messages the action touched. */
  count: number;
}

const maxEntries = 100_000;

/** Every operator action, who/what/when/why, in a Redis stream: append-only for the application, newest last. */
export class AuditTrail {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}:audit`;
  }

  async record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const fields = { at: new Date().toISOString(), ...entry, count: String(entry.count) };
    await this.redis.xadd(this.key, 'MAXLEN', '~', maxEntries, '*', ...Object.entries(fields).flat());
  }

  /** Newest first. */
  async list(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', limit);
    return rows.map(([, fields]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
      return { ...(record as unknown as AuditEntry), count: Number(record.count) };
    });
  }
}
