import { afterAll, beforeAll, expect, it } from 'vitest';
import { startClusterGateway, type ClusterGateway } from '../helpers/cluster-gateway.ts';
import { until } from '../helpers/until.ts';

/**
 * A master cut off (its host frozen with SIGSTOP, as a network partition: no socket closes) on a Redis Cluster with a
 * replica for each master, without minReplicasAcked: the cluster promotes the replica, and the gateway must follow it
 * by itself, ingest and delivery both, while the old master is still unreachable (its node connections are watched,
 * hung-socket-watchdog.ts; BullMQ's blocking one is given up by BullMQ's own watchdog and made again). The promotion
 * is quick here (~3 s), so the cluster is seldom still failed when that happens: the stall cluster-connect-settles.ts
 * mends is pinned by redis-cluster.test.ts (no replica, 15 s frozen). With minReplicasAcked the same failover holds
 * acknowledgements until the old master rejoins as a replica (redis-cluster-failover.test.ts).
 */
let setup: ClusterGateway | undefined;
beforeAll(async () => {
  setup = await startClusterGateway();
}, 120_000);
afterAll(() => setup?.stop(), 60_000);

it('the master holding the queue cut off: its replica is promoted, and updates are acknowledged and delivered before it returns', async () => {
  const { t, cluster, provincial } = setup!;
  const warm = await t.send();
  expect((await t.waitForState(warm.body.messageId, ['delivered'], 20_000)).state).toBe('delivered');
  const pid = await cluster.pidOf((await cluster.shardOf('{provincial-system}')).master);
  process.kill(pid, 'SIGSTOP');
  try {
    // 5.5 s here (the node timeout, the promotion, ioredis's slot refresh); the bounds leave room for a busy machine.
    const acknowledged = await until(
      'a status update acknowledged by the promoted replica',
      async () => {
        const answer = await Promise.race([t.send(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]).catch(() => undefined);
        return answer?.statusCode === 202 ? (answer.body.messageId as string) : undefined;
      },
      Boolean,
      45_000,
    );
    // 1–7 s here: BullMQ gives up the worker's BZPOPMIN on the frozen node after ~6 s and makes its connection again.
    expect((await t.waitForState(acknowledged!, ['delivered'], 45_000)).state).toBe('delivered');
    const applied = (await provincial.received()).effects.map((e) => e.idempotencyKey);
    expect(applied.filter((id) => id === acknowledged)).toHaveLength(1);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}, 150_000);
