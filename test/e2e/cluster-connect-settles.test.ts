import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { settleClusterConnects } from '../../src/redis/cluster-connect-settles.ts';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-topology.ts';
import { until } from '../helpers/until.ts';

/**
 * A Cluster client's connect() made while the cluster is failed (one master hung past the node timeout, every node
 * answering `cluster_state:fail`): its ready check fails and ioredis reconnects on its own, leaving that promise
 * pending forever unless it is made to settle. Real redis-server processes; the hung host is a SIGSTOP.
 */
let cluster: RedisCluster | undefined;
const clients: Cluster[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await cluster?.stop();
}, 60_000);

const fastRetries = { clusterRetryStrategy: () => 100 };

/** Freezes one master and waits until another reports the cluster failed; returns what thaws it. */
async function failTheCluster(): Promise<() => void> {
  const [frozen, witness] = cluster!.nodes;
  const pid = await cluster!.pidOf(frozen!.port);
  process.kill(pid, 'SIGSTOP');
  const thaw = () => process.kill(pid, 'SIGCONT');
  const other = new Redis(witness!.port, '127.0.0.1');
  try {
    await until('cluster_state:fail on a healthy node', () => other.cluster('INFO'), (info) => /cluster_state:fail/.test(info), 30_000);
  } catch (err) {
    thaw();
    throw err;
  } finally {
    other.disconnect();
  }
  return thaw;
}

/** What became of a promise so far. */
function track(promise: Promise<void>) {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; error?: string } = { state: 'pending' };
  promise.then(
    () => (seen.state = 'resolved'),
    (err: Error) => Object.assign(seen, { state: 'rejected', error: err.message }),
  );
  return seen;
}

it('connect() and a duplicate connect() made while the cluster is failed resolve once it is back', async () => {
  const client = settleClusterConnects(new Cluster(cluster!.nodes, { lazyConnect: true, ...fastRetries }), 5000);
  const copy = client.duplicate();
  copy.on('error', () => {});
  client.on('error', () => {});
  clients.push(client, copy);
  const thaw = await failTheCluster();
  let connecting: ReturnType<typeof track>;
  let copyConnecting: ReturnType<typeof track>;
  try {
    connecting = track(client.connect());
    copyConnecting = track(copy.connect());
    // Its first ready checks have failed by now: each attempt's promise is the one ioredis forgets.
    await new Promise((r) => setTimeout(r, 3000));
    expect(connecting.state).toBe('pending');
    // Meanwhile ioredis retried every 100 ms, each retry a connect() of its own: they share one waiter for 'ready'.
    expect(client.listenerCount('ready')).toBe(1);
  } finally {
    thaw();
  }
  await until('connect() resolved', async () => [connecting!.state, copyConnecting!.state], (s) => s.every((x) => x === 'resolved'), 30_000);
  expect(await client.set('{probe}:settled', 'yes')).toBe('OK');
}, 90_000);

it('connect() made while the cluster is failed rejects when the client is disconnected for good', async () => {
  const client = settleClusterConnects(new Cluster(cluster!.nodes, { lazyConnect: true, ...fastRetries }), 5000);
  client.on('error', () => {});
  clients.push(client);
  const thaw = await failTheCluster();
  try {
    const connecting = track(client.connect());
    await new Promise((r) => setTimeout(r, 3000));
    client.disconnect();
    await until('connect() rejected', async () => connecting.state, (s) => s !== 'pending', 10_000);
    expect(connecting).toEqual({ state: 'rejected', error: 'Connection is closed.' });
  } finally {
    thaw();
  }
}, 90_000);

it('a ready check sent to a master that hangs while the cluster is still ok is given up: every duplicate gets ready', async () => {
  // A node timeout longer than the test: the hung master stays in the slot map and the cluster answers ok, as during
  // the first 15 s (the default) of a real host hanging, before its replica is promoted.
  const slowToFail = await startRedisCluster(3, 0, 60_000);
  const client = settleClusterConnects(new Cluster(slowToFail.nodes, fastRetries), 1000);
  client.on('error', () => {});
  const [healthy, hung] = slowToFail.nodes;
  let pid: number | undefined;
  const copies: Cluster[] = [];
  try {
    pid = await slowToFail.pidOf(hung!.port);
    // Found before the freeze: keyless commands (CLUSTER KEYSLOT) go to a master picked at random, the hung one too.
    const key = await keyServedBy(slowToFail, healthy!.port);
    process.kill(pid, 'SIGSTOP');
    // As BullMQ makes its blocking connections. ioredis sends each one's ready check (CLUSTER INFO) to a master picked
    // at random: with twelve, all of them missing the hung one is a chance in 130; those that did not waited for good.
    copies.push(...Array.from({ length: 12 }, () => client.duplicate(undefined, { lazyConnect: true })));
    /** Every node connection the copies made, through every attempt: all of them must end when the copies are closed. */
    const nodes: Redis[] = [];
    for (const copy of copies) copy.on('error', () => {}).on('+node', (node: Redis) => nodes.push(node));
    const connecting = copies.map((copy) => track(copy.connect()));
    await until('every duplicate connected', async () => connecting.map((c) => c.state), (s) => s.every((x) => x === 'resolved'), 20_000);
    // Ready, and working where the slots are served: a key of the healthy master's.
    for (const copy of copies) expect(await copy.set(key, 'yes')).toBe('OK');
    // An attempt given up leaves its connection to the hung master closing; ioredis drops a node from the pool by its
    // address when that connection ends, which could drop the next attempt's connection instead, left open for good.
    for (const copy of copies) copy.disconnect();
    // ('wait': made by an attempt, never connected, so nothing to close.)
    await until('every node connection of the copies closed', async () => nodes.filter((n) => n.status !== 'end' && n.status !== 'wait').map((n) => `${n.options.port} ${n.status}`), (open) => open.length === 0, 10_000);
  } finally {
    if (pid) process.kill(pid, 'SIGCONT');
    for (const copy of copies) copy.disconnect();
    client.disconnect();
    await slowToFail.stop();
  }
}, 90_000);

/** A key whose slot the master on this port serves. */
async function keyServedBy(cluster: RedisCluster, port: number): Promise<string> {
  for (let i = 0; ; i++) {
    const key = `{probe-${i}}:ready`;
    if ((await cluster.shardOf(key)).master === port) return key;
  }
}
