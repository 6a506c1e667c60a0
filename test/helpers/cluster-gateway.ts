import type { RedisConfig } from '../../src/config/types.ts';
import { startRedisCluster, type RedisCluster } from './redis-topology.ts';
import { ProvincialSimulator, startTestGateway, type TestGateway } from './test-gateway.ts';

/** A test gateway on a Redis Cluster with a replica for each master, routing status updates to the province's system. */
export interface ClusterGateway {
  cluster: RedisCluster;
  provincial: ProvincialSimulator;
  t: TestGateway;
  /** Bounded: a gateway that cannot close (a node gone) must not keep the redis-servers alive. */
  stop(): Promise<void>;
}

/**
 * Updates go to the province's system here: it applies each Idempotency-Key once, so "each effect once" is the
 * receiver's, and what a test judges is the gateway's part. Jobs whose worker lost Redis are taken again within seconds.
 */
export async function startClusterGateway(redis: Partial<RedisConfig> = {}): Promise<ClusterGateway> {
  const cluster = await startRedisCluster(3, 1);
  let provincial: ProvincialSimulator | undefined;
  try {
    provincial = await ProvincialSimulator.start();
    const t = await startTestGateway({
      redis: { cluster: { nodes: cluster.nodes }, ...redis },
      provincialUrl: provincial.url,
      overrides: {
        routes: { 'dossier.status.v1': 'provincial-system' },
        delivery: { stalledIntervalMs: 1000, lockDurationMs: 2000, dossierLockMs: 2000 },
        destinations: { 'provincial-system': { concurrency: 8, retry: { maxAgeMs: 600_000, baseDelayMs: 100, maxDelayMs: 1000 } } },
      },
    });
    const started = provincial;
    return {
      cluster,
      provincial,
      t,
      stop: async () => {
        try {
          await Promise.race([t.close(), new Promise((r) => setTimeout(r, 20_000))]).catch(() => {});
          await started.close().catch(() => {});
        } finally {
          await cluster.stop();
        }
      },
    };
  } catch (err) {
    await provincial?.close().catch(() => {});
    await cluster.stop();
    throw err;
  }
}
