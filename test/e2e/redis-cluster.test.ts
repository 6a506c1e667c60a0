import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-topology.ts';
import { adminCall, adminConfig, adminTokens, makeDeadLetter, statusUpdate } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

/**
 * The gateway on a Redis Cluster of three masters (real processes, `redis-cli --cluster create`): the main flows run
 * with no CROSSSLOT error, because each queue's keys share a slot and the gateway's own keys share another.
 */
let cluster: RedisCluster | undefined;
let t: PaymentTestGateway | undefined;
let client: Cluster | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  t = await startPaymentTestGateway({ redis: { cluster: { nodes: cluster.nodes } }, overrides: { admins: adminConfig } });
  client = new Cluster(cluster.nodes);
}, 90_000);

afterAll(async () => {
  try {
    client?.disconnect();
    await Promise.race([t?.close(), new Promise((r) => setTimeout(r, 20_000))]).catch(() => {});
  } finally {
    await cluster?.stop();
  }
}, 60_000);

/** Redis refusals that only a Cluster gives, in anything the gateway logged. */
const clusterRefusals = () => t!.logs.filter((line) => /CROSSSLOT|same slot|slots allocation group|non local key/i.test(line));

describe('Redis Cluster (3 masters)', () => {
  it('names keys with hash tags: the prefix for the gateway own keys, one tag per destination queue', async () => {
    const prefix = t!.config.redis.prefix;
    expect(prefix).toMatch(/^\{t[0-9a-f]+\}$/);
    expect(t!.gateway.queues.get('national-portal').opts.prefix).toBe(`${prefix.slice(1, -1)}:{national-portal}`);
    // The queues do not all hash to the slot of the gateway's own keys: the cluster spreads them.
    const slots = await Promise.all([`${prefix}:msglog:pending`, ...['national-portal', 'provincial-system', 'vnpost'].map((d) => `${prefix.slice(1, -1)}:{${d}}:x`)].map((key) => client!.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(4);
  });

  it('status updates of one dossier are accepted and reach the portal in order', async () => {
    const dossier = statusUpdate();
    const times = ['2026-11-23T09:00:00+07:00', '2026-11-23T10:00:00+07:00', '2026-11-23T11:00:00+07:00'];
    const ids: string[] = [];
    for (const [i, statusTime] of times.entries()) {
      const res = await t!.send({ doc: { ...dossier, status: [2, 4, 9][i], statusTime } });
      expect(res.statusCode).toBe(202);
      ids.push(res.body.messageId);
    }
    for (const id of ids) expect((await t!.waitForState(id, ['delivered', 'superseded'])).state).toMatch(/delivered|superseded/);
    expect((await t!.status(ids[2]!)).state).toBe('delivered');
    // What the portal applied is in status-time order and ends with the newest (an older one may be superseded, never late).
    const progress = (await t!.portal.progressFor(dossier.dossierCode as string)).map((e) => (e.payload.data as Array<{ TrangThai: unknown }>)[0]!.TrangThai);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map(Number)).toEqual([...progress.map(Number)].sort((a, b) => a - b));
    expect(Number(progress.at(-1))).toBe(9);
    // The job is where its queue's tag says.
    expect(await client!.exists(`${t!.gateway.queues.get('national-portal').opts.prefix}:deliver-national-portal:${ids[2]}`)).toBe(1);
  });

  it('a dead letter retried through the admin API is delivered', async () => {
    const doc = statusUpdate();
    const messageId = await makeDeadLetter(t!, 400, doc);
    const retried = await adminCall(t!, adminTokens.operator, 'POST', `/dead-letters/${messageId}/retry`, { reason: 'portal fixed' });
    expect(retried.statusCode).toBe(200);
    expect((await t!.waitForState(messageId, ['delivered'])).state).toBe('delivered');
    expect(await t!.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('a payment is created, its bank callback confirms it once, and the province and the portal hear of it', async () => {
    const doc = paymentRequest();
    const created = await t!.createPayment(doc);
    expect(created.statusCode).toBe(201);
    const { sent } = await t!.pay(created.body.paymentUrl, { fault: 'duplicate' });
    expect(sent.map((s) => (s.reply as { RspCode: string }).RspCode)).toEqual(['00', '02']);
    expect(await t!.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback' });
    const events = await until('the payment result at the province', () => t!.provincial.eventsFor(doc.dossierCode as string), (e) => e.length > 0);
    expect(events[0]!.event).toMatchObject({ type: 'payment.result.v1', data: { paymentId: created.body.paymentId, status: 'paid' } });
    await until('the payment result at the portal', () => t!.portal.effectsFor(doc.dossierCode as string), (e) => e.some((x) => x.service === 'CapNhatThanhToanHoSoMC'));
    await t!.drain();
    expect(await t!.provincial.eventsFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('the message log seals and verifies across all of that, and nothing was refused for crossing slots', async () => {
    const verdict = await until('the message log sealed', async () => (await adminCall(t!, adminTokens.viewer, 'GET', '/message-log/verify')).body, (v) => v.ok && v.records > 0);
    expect(verdict.ok).toBe(true);
    expect(clusterRefusals()).toEqual([]);
  });
});

/**
 * Last, as it stops one of the cluster's nodes: a node whose host hangs (SIGSTOP, as a frozen host) closes no socket.
 * Each node's connection is watched (hung-socket-watchdog.ts), so ingest answers 503 instead of waiting on it for as
 * long as TCP takes, and once the node is back the next update is acknowledged and delivered.
 *
 * The node frozen is the one that holds the portal's queue, for long enough that the worker's blocking wait on it
 * is given up (BullMQ's watchdog, after ~6 s) and remade while every node answers `cluster_state:fail`. ioredis then
 * left the worker's reconnection pending forever, and nothing was delivered until the process restarted
 * (cluster-connect-settles.ts).
 */
it('a node that hangs: ingest answers 503 rather than waiting on it, and once it is back updates are acknowledged and delivered', async () => {
  const pid = await cluster!.pidOf((await cluster!.shardOf('{national-portal}')).master); // the node of the portal's queue
  const frozenAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    // Unwatched, it waited for as long as TCP takes (still waiting after 60 s); watched, each hung socket is dropped
    // after 5 s, and the reconnection's ready check too, until the command gives up (14–32 s here).
    const answered = await Promise.race([t!.send(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000))]);
    expect(answered?.statusCode, 'ingest waited on the hung node').toBe(503);
    await new Promise((r) => setTimeout(r, Math.max(0, frozenAt + 15_000 - Date.now())));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const acknowledged = await until(
    'a status update acknowledged once the node is back',
    async () => {
      const answer = await Promise.race([t!.send(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]).catch(() => undefined);
      return answer?.statusCode === 202 ? (answer.body.messageId as string) : undefined;
    },
    Boolean,
    60_000,
  );
  // Delivered within seconds here; the bound leaves room for a busy machine, not for a worker that waits for good.
  expect((await t!.waitForState(acknowledged!, ['delivered'], 45_000)).state).toBe('delivered');
}, 200_000);
