import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-topology.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

/**
 * A primary that hangs (its host frozen, or cut off by the network) closes no socket, unlike one killed: the
 * gateway must notice by itself that its connections hear nothing (socketTimeout), and follow the sentinels to the
 * replica they promote. SIGSTOP freezes the primary's process as a frozen host would.
 */
let topology: SentinelTopology | undefined;
let t: TestGateway | undefined;
let frozenPid: number | undefined;

beforeAll(async () => {
  topology = await startSentinelTopology({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
  t = await startTestGateway({ redis: { sentinel: topology.sentinel }, overrides: { delivery: { stalledIntervalMs: 1000, lockDurationMs: 2000, dossierLockMs: 1000 } } });
}, 90_000);

afterAll(async () => {
  try {
    if (frozenPid) process.kill(frozenPid, 'SIGCONT');
    await Promise.race([t?.close(), new Promise((r) => setTimeout(r, 20_000))]).catch(() => {});
  } finally {
    await topology?.stop();
  }
}, 60_000);

it('a primary that hangs: the sentinels promote the replica, and ingest and delivery follow it by themselves', async () => {
  const { primary, replica } = topology!;
  const before = (await t!.send()).body.messageId as string;
  await t!.waitForState(before, ['delivered']);

  const probe = new Redis(primary.port, { lazyConnect: true });
  await probe.connect();
  frozenPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
  probe.disconnect();
  process.kill(frozenPid, 'SIGSTOP');
  await topology!.waitForPrimary(replica.port);

  // The partner retries what gets no answer or a 503, as it would; in the end the new primary acknowledges it.
  const doc = statusUpdate();
  const acknowledged = await until(
    'a status update acknowledged after the failover',
    async () => {
      const answer = await Promise.race([t!.send({ doc }), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]).catch(() => undefined);
      return answer?.statusCode === 202 || answer?.statusCode === 200 ? (answer.body.messageId as string) : undefined;
    },
    Boolean,
    60_000,
  );
  expect((await t!.waitForState(acknowledged!, ['delivered'], 60_000)).state).toBe('delivered');
}, 150_000);
