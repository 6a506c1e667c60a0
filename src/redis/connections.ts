import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/types.ts';
import { settleClusterConnects } from './cluster-connect-settles.ts';
import { coalesceWrites } from './coalesce-writes.ts';
import { watchForHungSocket } from './hung-socket-watchdog.ts';

/** A connection to the gateway's Redis: one server or a Sentinel-watched primary (Redis), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Two kinds of connection, as BullMQ wants them:
 * - producer: fails fast while Redis is down (no offline queue), so ingest answers 503 instead of buffering;
 * - worker: blocks and retries forever (`maxRetriesPerRequest: null`) and reconnects by itself after a restart.
 * Either reaches one server (`redis.url`), the primary that Redis Sentinel names (`redis.sentinel`) or a Cluster
 * (`redis.cluster`). BullMQ's queues and workers use these connections; the ones it adds for blocking commands are
 * duplicates of them, so they follow a failover the same way.
 */
export function createProducerConnection(redis: RedisConfig): RedisClient {
  // Requests accepted together share Redis's AOF fsync without waiting for each other: Redis writes and fsyncs
  // once per event-loop turn for every command it read in that turn (appendfsync always), and each request still
  // awaits its own command's answer (202 only once its own write is durable).
  const hungAfterMs = Math.max(5000, (redis.replicaAckTimeoutMs ?? 0) + 2000);
  return watchedAndCoalesced(connect(redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }, 1, hungAfterMs), hungAfterMs);
}

export function createWorkerConnection(redis: RedisConfig): RedisClient {
  const hungAfterMs = Math.max(10_000, (redis.replicaAckTimeoutMs ?? 0) + 5000);
  return watchedAndCoalesced(connect(redis, { maxRetriesPerRequest: null }, 2, hungAfterMs), hungAfterMs);
}

/**
 * Commands sent together leave in one socket write (coalesce-writes.ts), and a connection that waits `hungAfterMs`
 * for an answer without hearing anything is made again (hung-socket-watchdog.ts: its longest legitimate wait is a
 * WAIT for replicas). On a Cluster, each node's connection is watched as the cluster makes it (a hung node's commands
 * fail instead of waiting for TCP, and the cluster asks the others where its slots went); writes are not coalesced
 * there.
 */
function watchedAndCoalesced(connection: RedisClient, hungAfterMs: number): RedisClient {
  if (connection instanceof Redis) {
    coalesceWrites(connection);
    watchForHungSocket(connection, hungAfterMs);
  } else {
    connection.on('+node', (node: Redis) => watchForHungSocket(node, hungAfterMs));
  }
  return connection;
}

/** True when the config names a Redis to connect to; otherwise main.ts starts an embedded one. */
export function redisConfigured(redis: RedisConfig): boolean {
  return Boolean(redis.url || redis.sentinel || redis.cluster);
}

/** For banners and logs: where Redis is, without credentials. */
export function describeRedis(redis: RedisConfig): string {
  if (redis.sentinel) return `sentinel "${redis.sentinel.name}" via ${redis.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
  if (redis.cluster) return `cluster via ${redis.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
  if (redis.url) return redis.url.replace(/\/\/[^@/]*@/, '//');
  return 'none configured';
}

/**
 * After a failover the old primary may come back as a replica while a connection still points at it: every write
 * then fails with READONLY. Reconnecting asks the sentinels again and lands on the new primary. `resend` 2 sends the
 * refused command again there (workers: they would retry anyway); 1 fails it (producers answer 503, the partner retries).
 */
const reconnectOnReadOnly = (resend: 1 | 2) => (err: Error) => (err.message.includes('READONLY') ? resend : false);

/** `hungAfterMs`: how long a Cluster client's ready check may go unanswered (cluster-connect-settles.ts). */
function connect(redis: RedisConfig, kind: RedisOptions, resend: 1 | 2, hungAfterMs: number): RedisClient {
  if (redis.cluster) return connectCluster(redis.cluster, kind, hungAfterMs);
  const options: RedisOptions = { ...common, ...kind, reconnectOnError: reconnectOnReadOnly(resend) };
  if (redis.sentinel) {
    const { name, sentinels, username, password, sentinelPassword } = redis.sentinel;
    return new Redis({
      ...options,
      name,
      sentinels,
      role: 'master',
      username,
      password,
      sentinelPassword,
      // No `failoverDetector`: in ioredis 5 a +switch-master that arrives while the connection is already
      // reconnecting (the primary died) ends it for good ("Connection is closed." forever; the failover test
      // reproduced it). A demoted primary that is still up is left by other means: the sentinels disconnect its
      // clients when they reconfigure it (CLIENT KILL), and a READONLY answer reconnects (above).
      sentinelRetryStrategy: (times) => Math.min(100 * times, 1000),
    });
  }
  if (redis.url) return new Redis(redis.url, options);
  throw new Error('no Redis configured: set /redis/url (REDIS_URL), /redis/sentinel or /redis/cluster');
}

/**
 * A Cluster client learns the nodes and slots from any node given and follows MOVED/ASK and a master's failover by
 * itself. Per-node options (retries per command) go in redisOptions, where BullMQ also looks for them; the offline
 * queue is the cluster's own. Its connect() (and its duplicates', BullMQ's blocking connections) settles once ready,
 * and a ready check sent to a hung master is given up after `readyCheckTimeoutMs`: cluster-connect-settles.ts.
 */
function connectCluster(cluster: NonNullable<RedisConfig['cluster']>, kind: RedisOptions, readyCheckTimeoutMs: number): Cluster {
  const { enableOfflineQueue, ...perNode } = kind;
  const client = new Cluster(cluster.nodes, {
    redisOptions: { connectionName: common.connectionName, username: cluster.username, password: cluster.password, ...perNode },
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    // Writes and reads of one request go to the slot's master: a replica may not have the write yet.
    scaleReads: 'master',
    clusterRetryStrategy: (times) => Math.min(50 * times, 2000),
  });
  return settleClusterConnects(client, readyCheckTimeoutMs);
}

const common: RedisOptions = {
  connectionName: 'gateway',
  // Reconnect quickly at first, then at most every 2 s: a restarted Redis (or a newly promoted primary) is picked up within seconds.
  retryStrategy: (times) => Math.min(50 * times, 2000),
};
