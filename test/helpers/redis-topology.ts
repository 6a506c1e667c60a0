import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { EmbeddedRedis, freePort } from '../../src/redis/embedded-redis.ts';
import { until } from './until.ts';

/**
 * Real Redis topologies for the high-availability tests, every process on free ports in one temp dir: a primary, a
 * replica and three sentinels; or a Cluster of masters. `stop()` stops every process ever started here (also those
 * started again after a kill) and is safe to call from afterAll whatever failed before.
 */
class Processes {
  readonly all: EmbeddedRedis[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'gw-redis-topology-'));

  async start<T extends EmbeddedRedis>(process: T): Promise<T> {
    this.all.push(process);
    await process.start();
    return process;
  }

  subdir(name: string): string {
    return join(this.dir, name);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop().catch(() => {})));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server in sentinel mode: it needs a config file of its own (it rewrites it). */
class SentinelProcess extends EmbeddedRedis {
  constructor(
    dir: string,
    private readonly monitor: () => string,
  ) {
    super({ dir, port: 0, appendfsync: 'everysec' });
  }

  protected override serverArgs(dir: string): string[] {
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, [`port ${this.port}`, 'bind 127.0.0.1', `dir ${dir}`, this.monitor(), ''].join('\n'));
    return [file, '--sentinel'];
  }
}

export interface SentinelTopology {
  /** What the gateway's `redis.sentinel` is given. */
  sentinel: { name: string; sentinels: Array<{ host: string; port: number }> };
  primary: EmbeddedRedis;
  replica: EmbeddedRedis;
  /** The primary's port as the sentinels report it now. */
  primaryPort(): Promise<number>;
  /** Until every sentinel names `port` as the primary (a failover is over). */
  waitForPrimary(port: number, timeoutMs?: number): Promise<void>;
  /** Starts a killed node again on its port and data dir, as a replica of `primaryPort` (what an operator does after a failover). */
  restartAsReplica(node: EmbeddedRedis, primaryPort: number): Promise<EmbeddedRedis>;
  stop(): Promise<void>;
}

export interface SentinelTimings {
  /** `sentinel down-after-milliseconds`: how long the primary must be silent before it is judged down. */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. */
  failoverTimeoutMs?: number;
}

const dataNode = (dir: string, port: number, extraArgs: string[] = []) => new EmbeddedRedis({ dir, port, appendfsync: 'everysec', extraArgs });

async function askSentinel<T>(port: number, ask: (sentinel: Redis) => Promise<T>): Promise<T | undefined> {
  const sentinel = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  sentinel.on('error', () => {});
  try {
    await sentinel.connect();
    return await ask(sentinel);
  } catch {
    return undefined;
  } finally {
    sentinel.disconnect();
  }
}

/** `SENTINEL MASTER <name>` as a map of its fields. */
const masterState = (port: number, name: string) =>
  askSentinel(port, async (s) => {
    const flat = (await s.call('SENTINEL', 'MASTER', name)) as string[];
    return Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]!]] : [])));
  });

/** Primary + one replica + three sentinels (quorum 2), ready: every sentinel sees the replica and the two others. */
export async function startSentinelTopology(timings: SentinelTimings = {}): Promise<SentinelTopology> {
  const processes = new Processes();
  const name = 'gw-test';
  try {
    const primary = await processes.start(dataNode(processes.subdir('primary'), await freePort()));
    const replica = await processes.start(dataNode(processes.subdir('replica'), await freePort(), ['--replicaof', '127.0.0.1', String(primary.port)]));
    const monitor = () =>
      [
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} ${timings.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} ${timings.failoverTimeoutMs ?? 3000}`,
        `sentinel parallel-syncs ${name} 1`,
      ].join('\n');
    const sentinels = await Promise.all([1, 2, 3].map((i) => processes.start(new SentinelProcess(processes.subdir(`sentinel-${i}`), monitor))));

    await until(
      'every sentinel to see the replica and the two other sentinels',
      () => Promise.all(sentinels.map((s) => masterState(s.port, name))),
      (states) => states.every((m) => m?.['num-slaves'] === '1' && m?.['num-other-sentinels'] === '2'),
      30_000,
    );

    const primaryPorts = () => Promise.all(sentinels.map((s) => askSentinel(s.port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as Promise<[string, string]>)));
    return {
      sentinel: { name, sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) },
      primary,
      replica,
      primaryPort: async () => Number((await primaryPorts()).find(Boolean)?.[1]),
      waitForPrimary: async (port, timeoutMs = 30_000) => {
        await until(`every sentinel to name port ${port} as the primary`, primaryPorts, (answers) => answers.every((a) => Number(a?.[1]) === port), timeoutMs);
      },
      restartAsReplica: async (node, primaryPort) =>
        processes.start(dataNode(processes.subdir(node === primary ? 'primary' : 'replica'), node.port, ['--replicaof', '127.0.0.1', String(primaryPort)])),
      stop: () => processes.stop(),
    };
  } catch (err) {
    await processes.stop();
    throw err;
  }
}

export interface RedisCluster {
  /** What the gateway's `redis.cluster` is given. */
  nodes: Array<{ host: string; port: number }>;
  /** The master serving a key's slot and its replicas (ports), as the cluster says now. */
  shardOf(key: string): Promise<{ master: number; replicas: number[] }>;
  /** The process id of the redis-server on this port (for SIGSTOP: its host hangs). */
  pidOf(port: number): Promise<number>;
  /** kill -9 of the node on this port (its host crashes). */
  kill(port: number): Promise<void>;
  /** The killed node started again on its port, data dir and nodes.conf: it rejoins the cluster by itself. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `masters` redis-servers with cluster mode on, joined by `redis-cli --cluster create`, all slots served; with
 * `replicasPerMaster`, that many more servers each, replicas of the masters (a replica is promoted when its master is
 * judged failed: `cluster-node-timeout`, 2 s unless `nodeTimeoutMs` says otherwise).
 */
export async function startRedisCluster(masters = 3, replicasPerMaster = 0, nodeTimeoutMs = 2000): Promise<RedisCluster> {
  const processes = new Processes();
  try {
    const nodes: EmbeddedRedis[] = [];
    const made = new Map<number, () => EmbeddedRedis>();
    for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
      // The cluster bus gets a free port of its own (the default, port + 10000, may be taken or past 65535).
      const extra = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-port', String(await freePort())];
      const [dir, port] = [processes.subdir(`node-${i}`), await freePort()];
      made.set(port, () => dataNode(dir, port, extra));
      nodes.push(await processes.start(made.get(port)!()));
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}):\n${create.stdout}\n${create.stderr}`);
    const clusterOk = async () =>
      Promise.all(
        nodes.map(async (n) => {
          const redis = new Redis({ port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
          redis.on('error', () => {});
          try {
            // A replica counts once it has synced with its master (one that is not yet synced cannot be promoted).
            const replication = await redis.info('replication');
            return /cluster_state:ok/.test(await redis.cluster('INFO')) && (!/role:slave/.test(replication) || /master_link_status:up/.test(replication));
          } catch {
            return false;
          } finally {
            redis.disconnect();
          }
        }),
      );
    await until('cluster_state:ok on every node, every replica synced', clusterOk, (ok) => ok.every(Boolean), 30_000);
    const addresses = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
    return {
      nodes: addresses,
      shardOf: async (key) => {
        const client = new Cluster(addresses);
        try {
          const slot = Number(await client.cluster('KEYSLOT', key));
          const shard = (await client.cluster('SLOTS')).find(([from, to]) => from <= slot && slot <= to)!;
          return { master: Number(shard[2]![1]), replicas: shard.slice(3).map((node) => Number((node as unknown as [string, number])[1])) };
        } finally {
          client.disconnect();
        }
      },
      pidOf: async (port) => {
        const probe = new Redis(port, '127.0.0.1');
        try {
          return Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
        } finally {
          probe.disconnect();
        }
      },
      kill: async (port) => {
        for (const p of processes.all.filter((p) => p.port === port)) await p.kill();
      },
      restart: async (port) => {
        await processes.start(made.get(port)!());
      },
      stop: () => processes.stop(),
    };
  } catch (err) {
    await processes.stop();
    throw err;
  }
}
