import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startClusterGateway, type ClusterGateway } from '../helpers/cluster-gateway.ts';
import type { RedisCluster } from '../helpers/redis-topology.ts';
import { statusUpdate, type ProvincialSimulator, type TestGateway } from '../helpers/test-gateway.ts';
import { partnerLoad, signedRequest } from '../helpers/partner-load.ts';
import { until } from '../helpers/until.ts';

/**
 * A Redis Cluster's own failover, with real processes: three masters, each with one replica, and `minReplicasAcked: 1`
 * (a WAIT on every master, on the cluster's connection to it: replica-acks.ts). The master that holds the province's
 * queue is killed -9 under load; its replica is promoted by the cluster (node timeout 2 s). As in the Sentinel test,
 * updates go to the province's system, which applies each Idempotency-Key once, and the partner retries a 503 with
 * the same signed request: what is judged is that nothing acknowledged is lost and no message becomes two.
 */
let setup: ClusterGateway | undefined;
let cluster: RedisCluster;
let provincial: ProvincialSimulator;
let t: TestGateway;
beforeAll(async () => {
  setup = await startClusterGateway({ minReplicasAcked: 1, replicaAckTimeoutMs: 1000 });
  ({ cluster, provincial, t } = setup);
}, 120_000);
afterAll(() => setup?.stop(), 60_000);

/** The shard of a key once the cluster lists its replica (gossip may name it a moment after the replica synced). */
const shardWithReplica = (key: string) => until(`a replica of the master serving ${key}`, () => cluster.shardOf(key), (s) => s.replicas.length === 1, 20_000);

it('a 202 is on the queue master’s replica when it is answered', async () => {
  const res = await t.send();
  expect(res.statusCode).toBe(202);
  // Read from the replica itself, at once: WAIT returned only after it acknowledged the job's write (on one machine
  // replication is fast enough that this alone would pass without the WAIT; the next test would not).
  const { replicas } = await shardWithReplica('{provincial-system}');
  const replica = new Redis(replicas[0]!, '127.0.0.1');
  try {
    await replica.call('READONLY');
    const jobKeys = await replica.keys(`*{provincial-system}*:${res.body.messageId}`);
    expect(jobKeys.length).toBeGreaterThan(0);
  } finally {
    replica.disconnect();
  }
}, 30_000);

// The queue's master holds the job, the gateway's own master its dedupe keys and message log: each must be waited on.
for (const [whose, keyOf] of [
  ['the queue master', () => '{provincial-system}'],
  ["the gateway's own keys' master", () => t.config.redis.prefix], // `{t…}`: a hash tag on a Cluster
] as const) {
  it(`no 202 while a replica of ${whose} is away (503 REPLICATION_PENDING); the same request again, once it is back, is acknowledged`, async () => {
    const { replicas } = await shardWithReplica(keyOf());
    const pid = await cluster.pidOf(replicas[0]!);
    const send = signedRequest(t, statusUpdate());
    process.kill(pid, 'SIGSTOP'); // its host hangs: no acknowledgement of the write comes
    let refused;
    try {
      refused = await send();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(refused.statusCode).toBe(503);
    expect(refused.body.error).toBe('REPLICATION_PENDING');
    const retried = await until('an answer other than 503 once the replica is back', send, (r) => r.statusCode !== 503, 30_000);
    expect([200, 202]).toContain(retried.statusCode);
  }, 60_000);
}

it('kill -9 of the master holding the queue under load: its replica is promoted, and every acknowledged message is delivered once', async () => {
  const { master } = await shardWithReplica('{provincial-system}');
  const total = 150;
  const docs = Array.from({ length: total }, () => statusUpdate());
  const { outcomes, acknowledged, done } = partnerLoad(t, docs, 20, Date.now() + 90_000);

  await until('a third of the messages acknowledged', async () => acknowledged(), (n) => n >= total / 3, 60_000);
  const acknowledgedBeforeKill = outcomes.filter((o) => o?.messageId).map((o) => o.messageId!);
  await cluster.kill(master);
  await until('a replica promoted for the queue’s slot', () => cluster.shardOf('{provincial-system}'), (s) => s.master !== master, 30_000);
  // The old master's host comes back; it rejoins as a replica of the promoted one, so acknowledgements can resume.
  await cluster.restart(master);
  await done;

  const unacknowledged = outcomes.filter((o) => !o.messageId);
  expect(unacknowledged, JSON.stringify(unacknowledged.slice(0, 3))).toEqual([]);
  const ids = outcomes.map((o) => o.messageId!);
  expect(new Set(ids).size).toBe(total);
  const applied = await until(
    'every acknowledged message applied by the province',
    async () => new Set((await provincial.received()).effects.map((e) => e.idempotencyKey)),
    (set) => ids.every((id) => set.has(id)),
    60_000,
  );
  expect(acknowledgedBeforeKill.filter((id) => !applied.has(id))).toEqual([]);
  const { effects } = await provincial.received();
  const ours = effects.filter((e) => docs.some((d) => d.dossierCode === e.event.dossierCode));
  expect(ours).toHaveLength(total);
  expect(new Set(ours.map((e) => e.event.dossierCode)).size).toBe(total);
  console.log(JSON.stringify(outcomes.flatMap((o) => o.answers).reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {})));
  // The failover was seen by partners as 503s (not as lost or doubled messages).
  expect(outcomes.flatMap((o) => o.answers).filter((a) => a !== 202 && a !== 200).length).toBeGreaterThan(0);
}, 200_000);
