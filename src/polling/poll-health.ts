import type { RedisClient } from '../redis/connections.ts';

/** The feeds the gateway pulls: a carrier's tracking feed, the portal's online submissions. */
export type PollKind = 'tracking' | 'submissions';

/** What a poller tells after each round it ran (a round skipped because another worker held the lock is no round). */
export interface PollRecorder {
  succeeded(): Promise<void>;
  failed(): void;
}

export interface LastSuccessfulPoll {
  kind: PollKind;
  name: string;
  at: number;
}

/**
 * When each feed was last read through, kept in Redis: one worker at a time polls a feed (a lock), so the time of
 * the last success is the feed's, not a process's, and every process's /metrics reports the same lag. Counts of
 * rounds and failures stay per process (Prometheus adds them up).
 */
export class PollHealth {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly count: (kind: PollKind, name: string, outcome: 'ok' | 'failed') => void = () => {},
  ) {
    this.key = `${prefix}:polls:last-success`;
  }

  recorder(kind: PollKind, name: string, onMarkFailed: (err: Error) => void = () => {}): PollRecorder {
    return {
      succeeded: async () => {
        this.count(kind, name, 'ok');
        // The poll did its work; a failed write of its time only makes the lag look longer until the next one.
        await this.redis.hset(this.key, `${kind}:${name}`, String(Date.now())).catch(onMarkFailed);
      },
      failed: () => this.count(kind, name, 'failed'),
    };
  }

  async lastSuccesses(): Promise<LastSuccessfulPoll[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all).flatMap(([field, at]) => {
      const [kind, ...rest] = field.split(':');
      return kind === 'tracking' || kind === 'submissions' ? [{ kind, name: rest.join(':'), at: Number(at) }] : [];
    });
  }
}
