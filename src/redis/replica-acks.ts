import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
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
 * - On a Cluster a request writes to more than one master (its queue's and the gateway's own), each through the
 *   cluster's connection to that node: the WAIT goes to every master, on that connection, with a probe key of a slot
 *   that master serves, and the fewest replicas any of them counted is the answer. A node's connection is never
 *   re-established under the same object (ioredis makes a new one), so "same server" becomes: the masters are the
 *   same connections when the WAITs answer as when the request began.
 */
export class ReplicaAcks {
  private generation = 0;
  private readonly lanes = new WeakMap<Redis, WaitLane>();
  private readonly probeKeys = new WeakMap<Redis, string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly probeKey: string,
    private readonly minReplicas: number,
    private readonly timeoutMs: number,
  ) {
    // Every (re)connection is a new generation: a ticket from an older one cannot be confirmed. A Cluster's tickets
    // compare its masters instead (clusterTicket).
    if (!(redis instanceof Cluster)) redis.on('ready', () => (this.generation += 1));
  }

  get enabled(): boolean {
    return this.minReplicas > 0;
  }

  /** Take before the request's first write; confirm before acknowledging it. */
  ticket(): ReplicationTicket {
    if (!this.enabled) return noWait;
    return this.redis instanceof Cluster ? this.clusterTicket(this.redis) : this.serverTicket(this.redis);
  }

  private serverTicket(redis: Redis): ReplicationTicket {
    const generation = this.generation;
    const connected = redis.status === 'ready';
    return {
      confirmed: async () => {
        if (!connected) throw new ReplicationPending(0, this.minReplicas, 'Redis was not connected when the request began');
        const acked = await this.waited(() => this.lane(redis).next(this.probeKey));
        if (this.generation !== generation) throw new ReplicationPending(0, this.minReplicas, 'the Redis connection was re-established during the request (failover?)');
        this.enough(acked);
      },
    };
  }

  private clusterTicket(cluster: Cluster): ReplicationTicket {
    const masters = cluster.nodes('master');
    // Reconnecting, it knows no masters (a worker's writes would wait in its offline queue): nothing to wait on.
    const connected = cluster.status === 'ready' && masters.length > 0;
    return {
      confirmed: async () => {
        if (!connected) throw new ReplicationPending(0, this.minReplicas, 'the Cluster was not connected when the request began');
        const acked = await this.waited(async () => {
          const waits = masters.flatMap((node) => {
            const probeKey = this.probeKeyOf(cluster, node);
            return probeKey ? [this.lane(node).next(probeKey)] : []; // a master that serves no slot got no writes
          });
          if (waits.length === 0) throw new Error('no master serves a slot in the slot map');
          return Math.min(...(await Promise.all(waits)));
        });
        const now = cluster.nodes('master');
        if (now.length !== masters.length || now.some((node) => !masters.includes(node))) {
          throw new ReplicationPending(0, this.minReplicas, "the Cluster's masters changed during the request (failover?)");
        }
        this.enough(acked);
      },
    };
  }

  private async waited(wait: () => Promise<number>): Promise<number> {
    try {
      return await wait();
    } catch (err) {
      throw new ReplicationPending(0, this.minReplicas, `WAIT failed (${(err as Error).message})`);
    }
  }

  private enough(acked: number): void {
    if (acked < this.minReplicas) throw new ReplicationPending(acked, this.minReplicas, `WAIT timed out after ${this.timeoutMs} ms`);
  }

  /** The probe key a master serves, kept while the slot map still gives its slot to that master. */
  private probeKeyOf(cluster: Cluster, node: Redis): string | undefined {
    const kept = this.probeKeys.get(node);
    if (kept && servedBy(cluster, node, kept)) return kept;
    const found = probeKeyServedBy(cluster, node, this.probeKey);
    if (found) this.probeKeys.set(node, found);
    return found;
  }

  private lane(connection: Redis): WaitLane {
    let lane = this.lanes.get(connection);
    if (!lane) this.lanes.set(connection, (lane = new WaitLane(connection, this.minReplicas, this.timeoutMs)));
    return lane;
  }
}

/** The WAITs of one connection, one at a time, each shared by every request that joins it (group commit). */
class WaitLane {
  private inFlight?: Promise<number>;
  private queued?: Promise<number>;

  constructor(
    private readonly connection: Redis,
    private readonly minReplicas: number,
    private readonly timeoutMs: number,
  ) {}

  /** The WAIT that will cover a write completed now: the queued one if any, else a new one (after the one in flight). */
  next(probeKey: string): Promise<number> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.send(probeKey);
    this.queued = this.inFlight.catch(() => 0).then(() => this.send(probeKey));
    return this.queued;
  }

  private send(probeKey: string): Promise<number> {
    this.queued = undefined;
    const wait = this.connection
      .pipeline()
      .incr(probeKey)
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

const nodeKeyOf = (node: Redis) => `${node.options.host}:${node.options.port}`;
const servedBy = (cluster: Cluster, node: Redis, key: string) => cluster.slots[calculateSlot(key)]?.[0] === nodeKeyOf(node);

/**
 * A probe key the given master serves, as the cluster's slot map says (`base:{0}`, `base:{1}`, … until one hashes to
 * a slot of that node: a few tries for a master of a third of the slots). Sent to the node's own connection, a key of
 * another node is answered MOVED (the WAIT fails, and the request with it, until ioredis refreshes the map).
 * Undefined for a master that serves no slot.
 */
function probeKeyServedBy(cluster: Cluster, node: Redis, probeKey: string): string | undefined {
  const nodeKey = nodeKeyOf(node);
  if (!cluster.slots.some((owners) => owners?.[0] === nodeKey)) return undefined;
  const base = probeKey.replace(/[{}]/g, '');
  for (let i = 0; ; i++) {
    const key = `${base}:{${i}}`;
    if (servedBy(cluster, node, key)) return key;
  }
}
