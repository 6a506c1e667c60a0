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
  const client = settleClusterConnects(new Cluster(cluster!.nodes, { lazyConnect: true, ...fastRetries }));
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
  const client = settleClusterConnects(new Cluster(cluster!.nodes, { lazyConnect: true, ...fastRetries }));
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
