import type { RedisClient } from './connections.ts';

/** Fewer replicas than `redis.minReplicasAcked` confirmed the writes in time: the write may exist, or be lost in a failover. */
export class ReplicationPending extends Error {
  constructor(
    readonly acked: number,
    readonly wanted: number,
    reason: string,
  ) {
    super(`${reason}: ${acked} of ${wanted} replicas confirmed the write`);
    this.name = 'ReplicationPending';
  }
}

/** One request's promise to answer only after its writes are on enough replicas; taken before the first write. */
export interface ReplicationTicket {
  /** Resolves when `minReplicasAcked` replicas hold every write this connection made; throws ReplicationPending otherwise. */
  confirmed(): Promise<void>;
}

const noWait: ReplicationTicket = { confirmed: async () => {} };

/**
 * `redis.minReplicasAcked`: an acknowledgement a partner relies on (202, a bank's "confirmed") is given only once N
 * replicas have the write. Redis replicates asynchronously; `WAIT N timeout` on the connection that made the writes
 * blocks until N replicas acknowledged everything that connection wrote, and answers how many did.
 *
 * - Same connection: WAIT counts the writes of the client that sends it, so it goes on the producer connection the
 *   request wrote through. A small write of its own just before (INCR of a probe key) carries the replication offset
 *   to "now", so a duplicate's 200 also covers an original another process wrote.
 * - Same server: if that connection was re-established since the request began (a failover), the writes may have gone
 *   to the old primary and WAIT would count the new one's replicas: the ticket fails instead.
 * - One WAIT at a time, shared: WAIT blocks its connection, so concurrent requests join the next WAIT (group commit);
 *   a request joins only a WAIT sent after its writes completed, so every joiner is covered.
 */
export class ReplicaAcks {
  private generation = 0;
  private inFlight?: Promise<number>;
  private queued?: Promise<number>;

  constructor(
    private readonly redis: RedisClient,
    private readonly probeKey: string,
    private readonly minReplicas: number,
    private readonly timeoutMs: number,
  ) {
    // Every (re)connection is a new generation: a ticket from an older one cannot be confirmed.
    redis.on('ready', () => (this.generation += 1));
  }

  get enabled(): boolean {
    return this.minReplicas > 0;
  }

  /** Take before the request's first write; confirm before acknowledging it. */
  ticket(): ReplicationTicket {
    if (!this.enabled) return noWait;
    const generation = this.generation;
    const connected = this.redis.status === 'ready';
    return {
      confirmed: async () => {
        if (!connected) throw new ReplicationPending(0, this.minReplicas, 'Redis was not connected when the request began');
        let acked: number;
        try {
          acked = await this.nextWait();
        } catch (err) {
          throw new ReplicationPending(0, this.minReplicas, `WAIT failed (${(err as Error).message})`);
        }
        if (this.generation !== generation) throw new ReplicationPending(0, this.minReplicas, 'the Redis connection was re-established during the request (failover?)');
        if (acked < this.minReplicas) throw new ReplicationPending(acked, this.minReplicas, `WAIT timed out after ${this.timeoutMs} ms`);
      },
    };
  }

  /** The WAIT that will cover a write completed now: the queued one if any, else a new one (after the one in flight). */
  private nextWait(): Promise<number> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.send();
    this.queued = this.inFlight.catch(() => 0).then(() => this.send());
    return this.queued;
  }

  private send(): Promise<number> {
    this.queued = undefined;
    const wait = this.redis
      .pipeline()
      .incr(this.probeKey)
      .wait(this.minReplicas, this.timeoutMs)
      .exec()
      .then((results) => {
        const [probe, waited] = results ?? [];
        const error = probe?.[0] ?? waited?.[0];
        if (error) throw error;
        return Number(waited?.[1]);
      });
    this.inFlight = wait;
    void wait.catch(() => {}).finally(() => {
      if (this.inFlight === wait) this.inFlight = undefined;
    });
    return wait;
  }
}
