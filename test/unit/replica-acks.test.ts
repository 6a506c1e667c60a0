import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ReplicaAcks, ReplicationPending } from '../../src/redis/replica-acks.ts';

/** Against the shared test redis-server, which has no replica: WAIT 1 can only time out there. */
let redis: Redis;
const probeKey = () => `t${randomBytes(5).toString('hex')}:replication-probe`;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { enableOfflineQueue: false });
  return new Promise<void>((ok) => redis.once('ready', () => ok()));
});
afterAll(() => redis.disconnect());

describe('ReplicaAcks', () => {
  it('with minReplicasAcked 0 never sends WAIT', async () => {
    const key = probeKey();
    await new ReplicaAcks(redis, key, 0, 100).ticket().confirmed();
    expect(await redis.get(key)).toBeNull();
  });

  it('on a Cluster not connected when the request began (no masters known) nothing is confirmed, and nothing is sent', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    try {
      const failure = await new ReplicaAcks(cluster, probeKey(), 1, 100).ticket().confirmed().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ReplicationPending);
      expect((failure as ReplicationPending).message).toMatch(/the Cluster was not connected when the request began: 0 of 1 replicas/);
      expect(cluster.status).toBe('wait');
    } finally {
      cluster.disconnect();
    }
  });

  it('fewer replicas than asked within the timeout is ReplicationPending, saying how many confirmed', async () => {
    const acks = new ReplicaAcks(redis, probeKey(), 1, 100);
    const failure = await acks.ticket().confirmed().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ReplicationPending);
    expect((failure as ReplicationPending).message).toMatch(/WAIT timed out after 100 ms: 0 of 1 replicas/);
  });

  it('concurrent requests share WAITs: the first goes at once, everyone who came while it ran joins the next one', async () => {
    const key = probeKey();
    const acks = new ReplicaAcks(redis, key, 1, 150);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => acks.ticket().confirmed().then(() => 'ok', (err: Error) => err.name)));
    expect(outcomes).toEqual(Array(20).fill('ReplicationPending'));
    // One probe write per WAIT sent.
    expect(await redis.get(key)).toBe('2');
  });

  it('a connection re-established since the ticket was taken is never confirmed (the writes may be on another server)', async () => {
    const connection = new Redis(inject('redisUrl'), { enableOfflineQueue: false });
    await new Promise((ok) => connection.once('ready', ok));
    try {
      // WAIT itself times out here (no replica); the reconnection is judged first, and the refusal says so.
      const acks = new ReplicaAcks(connection, probeKey(), 1, 50);
      const ticket = acks.ticket();
      connection.disconnect(true);
      await new Promise((ok) => connection.once('ready', ok));
      const failure = (await ticket.confirmed().catch((err: unknown) => err)) as Error;
      expect(failure).toBeInstanceOf(ReplicationPending);
      expect(failure.message).toMatch(/re-established during the request/);
    } finally {
      connection.disconnect();
    }
  });
});
