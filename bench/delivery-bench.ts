import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { toDossierRecord, toProgressRecord } from '../connectors/national-portal/mapping.ts';
import type { Envelope } from '../src/messages/envelope.ts';
import { queueNameFor } from '../src/queues/destination-queues.ts';
import type { BenchSetup } from './bench-setup.ts';
import { StatusUpdates } from './messages.ts';
import type { PortalWatch } from './portal-watch.ts';
import { cpuMsOf, machineTicks, type BenchProcess, type BenchProcesses } from './processes.ts';
import { sendAll } from './steady-load.ts';

export interface DeliveryRow {
  name: string;
  messages: number;
  rate: number;
  cpuMsPerMessage: number;
  /** Redis commands processed per message while the queue drained (the bench's own polling included: a few a second). */
  commandsPerMessage: number;
  /** Redis server CPU (user + system; the delivery Redis runs AOF always, as the default config) per message while the queue drained. */
  redisCpuMsPerMessage: number;
  /** Progress records per portal call (the gateway sends lists; the bare worker one record a call). */
  recordsPerCall?: number;
  /** Share of the machine's CPU (all cores) in use while the queue drained: near 100 % the row is CPU-bound. */
  machineBusy: number;
  /** Bytes appended to Redis's AOF per message while the queue drained (undefined when a rewrite replaced the file meanwhile). */
  aofBytesPerMessage?: number;
  /** AOF rewrites (forks of Redis, a core for about a second each here) that ran while the queue drained. */
  aofRewrites: number;
  errors: number;
}

export interface DeliveryContext {
  redisUrl: string;
  processes: BenchProcesses;
  setup: BenchSetup;
  portal: PortalWatch;
  /** Worker processes, and jobs each runs at once. */
  workers: number;
  concurrency: number;
  dossiers: number;
  messages: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Jobs not finished yet. Counted this way, not by completed jobs: the gateway keeps only the newest
 * retention.completedJobsPerDestination of those.
 */
export async function unfinished(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** Waits until the queue has nothing left to do, failing after `timeoutMs` with what is left. */
export async function drained(what: string, queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = await unfinished(queue);
  while (left > 0) {
    if (Date.now() > deadline) throw new Error(`${what}: ${left} jobs not finished after ${timeoutMs / 1000} s`);
    await pause(50);
    left = await unfinished(queue);
  }
}

/**
 * The Redis server's counters a drain is measured by, from one INFO: commands processed, its own CPU time (user +
 * system, ms), forks so far, the AOF's size and whether a rewrite is under way or scheduled.
 */
async function serverCounters(redis: Redis) {
  const info = await redis.info();
  const field = (name: string) => {
    const value = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1];
    if (value === undefined) throw new Error(`Redis INFO has no ${name}`);
    return Number(value);
  };
  return {
    commands: field('total_commands_processed'),
    cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
    forks: field('total_forks'),
    aofBytes: field('aof_current_size'),
    rewriting: field('aof_rewrite_in_progress') + field('aof_rewrite_scheduled') > 0,
  };
}

/**
 * Rewrites the AOF and waits for it. Redis rewrites by itself once the file has doubled since the last rewrite: a
 * fork, and its child takes a core for about a second here. What makes one due is every write since the last (the
 * queue's filling, earlier rounds), so without this it fell inside whichever row's drain came next, at random (seen
 * in 4 of 6 drains, bare and gateway alike). Each drain now starts from a compact file; a rewrite its own writes make
 * due still counts against it, and the note gives the bytes each message appended, which is what makes them due.
 */
async function compactAof(redis: Redis): Promise<void> {
  const deadline = Date.now() + 120_000;
  const settled = async () => {
    while ((await serverCounters(redis)).rewriting) {
      if (Date.now() > deadline) throw new Error('the AOF rewrite before a drain did not finish in 120 s');
      await pause(50);
    }
  };
  await settled();
  await redis.bgrewriteaof();
  await settled();
}

/** Calls and microseconds per command name (INFO commandstats), for BENCH_COMMANDSTATS=1: what a delivery costs Redis. */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)].map((m) => [m[1]!, { calls: Number(m[2]), usec: Number(m[3]) }]));
}

/** Releases a paused, filled queue to running workers and times it until every job finished. */
async function timeRelease(queue: Queue, redis: Redis, workers: BenchProcess[]): Promise<{ seconds: number; cpuMs: number; commands: number; redisCpuMs: number; machineBusy: number; aofBytes?: number; aofRewrites: number; failed: number }> {
  await compactAof(redis);
  const failedBefore = (await queue.getJobCounts('failed')).failed!;
  const serverBefore = await serverCounters(redis);
  const statsBefore = process.env.BENCH_COMMANDSTATS ? await commandStats(redis) : undefined;
  const cpuBefore = workers.reduce((sum, w) => sum + cpuMsOf(w.pid), 0);
  const machineBefore = machineTicks();
  const started = performance.now();
  await queue.resume();
  await drained('delivery', queue, 600_000);
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineTicks();
  const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.all - machineBefore.all);
  const cpuMs = workers.reduce((sum, w) => sum + cpuMsOf(w.pid), 0) - cpuBefore;
  const serverAfter = await serverCounters(redis);
  const aofRewrites = serverAfter.forks - serverBefore.forks;
  // A rewrite replaced the file meanwhile: its size no longer says what the drain appended.
  const aofBytes = aofRewrites === 0 ? serverAfter.aofBytes - serverBefore.aofBytes : undefined;
  if (statsBefore) {
    const after = await commandStats(redis);
    const lines = [...after]
      .map(([name, { calls, usec }]) => ({ name, calls: calls - (statsBefore.get(name)?.calls ?? 0), usec: usec - (statsBefore.get(name)?.usec ?? 0) }))
      .filter((line) => line.calls > 0)
      .sort((a, b) => b.calls - a.calls);
    // A script's time includes the commands it ran, which are also counted (and timed) on their own.
    process.stderr.write(`bench: Redis commands while the queue drained (calls, ms inside Redis): ${lines.map((l) => `${l.name} ${l.calls} ${Math.round(l.usec / 1000)} ms`).join(', ')}\n`);
  }
  const commands = serverAfter.commands - serverBefore.commands;
  const redisCpuMs = serverAfter.cpuMs - serverBefore.cpuMs;
  return { seconds, cpuMs, commands, redisCpuMs, machineBusy, aofBytes, aofRewrites, failed: (await queue.getJobCounts('failed')).failed! - failedBefore };
}

const aofOf = (run: { aofBytes?: number; aofRewrites: number }, messages: number) => ({ aofBytesPerMessage: run.aofBytes === undefined ? undefined : run.aofBytes / messages, aofRewrites: run.aofRewrites });

/**
 * The floor under delivery: 2 processes of a bare BullMQ worker, each job one undici POST of a ready-made
 * progress record to the same portal simulator (dossiers synced beforehand), no signing, no ordering, no records.
 * With `intentBeforeCall`, each job first makes one durable write (see BareWorkerSettings): the floor under any
 * delivery that keeps a dossier's order across a lost answer, as the gateway must.
 * `updates`: the same generator every round, so each round's updates are newer; `first`: the round that syncs the dossiers.
 */
export async function bareDelivery(ctx: DeliveryContext, updates: StatusUpdates, first: boolean, intentBeforeCall = false): Promise<DeliveryRow> {
  const prefix = intentBeforeCall ? 'benchintent' : 'benchbare';
  const queueName = intentBeforeCall ? 'bench-intent-deliver' : 'bench-bare-deliver';
  const connection = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix });
  try {
    await queue.pause();
    const asEnvelope = (body: Buffer) => ({ payload: JSON.parse(body.toString()) }) as unknown as Envelope;
    if (first) {
      const session = await ctx.portal.login();
      const names = { TenTTHC: 'Thủ tục', MaLinhVuc: 'LV', TenLinhVuc: 'Lĩnh vực' };
      const dossiers = updates.firstRound();
      for (let i = 0; i < dossiers.length; i += 500) {
        const data = dossiers.slice(i, i + 500).map((m) => toDossierRecord(asEnvelope(m.body), names));
        await ctx.portal.post('/api/integration', { session, madonvi: '000.00.00.H22', service: 'DongBoHoSoMC', isUpdating: 'False', data });
      }
    }
    const jobs = updates.presign(ctx.messages).map((m) => ({ name: 'progress', data: { record: toProgressRecord(asEnvelope(m.body)) } }));
    const addAll = async (some: typeof jobs) => {
      for (let i = 0; i < some.length; i += 1000) await queue.addBulk(some.slice(i, i + 1000));
    };
    const settings = { portalUrl: ctx.portal.url, queueName, concurrency: ctx.concurrency, intentBeforeCall };
    const workers = await Promise.all(Array.from({ length: ctx.workers }, () => ctx.processes.start('bare-worker', ctx.setup.bareConfig(ctx.redisUrl, prefix, settings))));
    // Warmed as the gateway's workers are (they deliver the first updates before any timed drain and stay up across
    // rounds): these processes start afresh each round, and a drain timed from cold flattered the gateway's ratio.
    // The warm-up sends the round's first records once more (the portal does not deduplicate; nothing is checked here).
    await addAll(jobs.slice(0, Math.min(ctx.dossiers, jobs.length)));
    await queue.resume();
    await drained('bare warm-up', queue, 600_000);
    await queue.pause();
    await addAll(jobs);
    const run = await timeRelease(queue, connection, workers);
    await Promise.all(workers.map((w) => ctx.processes.stop(w)));
    const name = intentBeforeCall ? `floor: bare worker + one durable write before each POST, ${ctx.workers} processes × ${ctx.concurrency}` : `bare: BullMQ worker → undici POST, ${ctx.workers} processes × ${ctx.concurrency}`;
    return { name, messages: ctx.messages, rate: ctx.messages / run.seconds, cpuMsPerMessage: run.cpuMs / ctx.messages, commandsPerMessage: run.commands / ctx.messages, redisCpuMsPerMessage: run.redisCpuMs / ctx.messages, machineBusy: run.machineBusy, ...aofOf(run, ctx.messages), errors: run.failed };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** The gateway's api and workers on one Redis, with the portal simulator behind them. */
export interface GatewayCluster {
  api: BenchProcess;
  workers: BenchProcess[];
  queue: Queue;
  redis: Redis;
  prefix: string;
  updates: StatusUpdates;
  close(): Promise<void>;
}

export async function startGatewayCluster(ctx: DeliveryContext, portal: Record<string, unknown> = {}): Promise<GatewayCluster> {
  const prefix = 'bench';
  const config = (role: 'api' | 'worker') => ctx.setup.gatewayConfig({ role, redisUrl: ctx.redisUrl, prefix, portalUrl: ctx.portal.url, portal: { concurrency: ctx.concurrency, ...portal } });
  const [api, ...workers] = await Promise.all([ctx.processes.start('gateway', config('api')), ...Array.from({ length: ctx.workers }, () => ctx.processes.start('gateway', config('worker')))]);
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueNameFor('national-portal'), { connection: redis, prefix });
  return {
    api: api!,
    workers,
    queue,
    redis,
    prefix,
    updates: new StatusUpdates(ctx.dossiers, ctx.setup.partnerSigner),
    close: async () => {
      await Promise.all([api!, ...workers].map((p) => ctx.processes.stop(p)));
      await queue.close();
      redis.disconnect();
    },
  };
}

export interface RedisFootprint {
  usedMemory: number;
  keys: number;
}

export async function redisFootprint(redis: Redis): Promise<RedisFootprint> {
  const info = await redis.info('memory');
  return { usedMemory: Number(/used_memory:(\d+)/.exec(info)![1]), keys: await redis.dbsize() };
}

/**
 * The gateway's workers on the same work: the dossiers made known to the portal first (`first`: each dossier's first
 * update, delivered), then the queue paused, the updates accepted through the api (signed, verified, stored), released and
 * timed. Ordering, signing, the connector's records and the message log all run as in production.
 */
export async function gatewayDelivery(ctx: DeliveryContext, cluster: GatewayCluster, name: string, first: boolean): Promise<DeliveryRow> {
  const { queue, updates } = cluster;
  if (first) {
    const warm = await sendAll(cluster.api.url, ctx.setup.apiKey, updates.firstRound());
    if (warm.errors) throw new Error(`${name}: ${warm.errors} of the first updates were not accepted`);
    await drained(`${name}: first updates`, queue, 600_000);
  }
  await ctx.portal.mark();
  await queue.pause();
  const messages = updates.presign(ctx.messages);
  const sent = await sendAll(cluster.api.url, ctx.setup.apiKey, messages);
  const run = await timeRelease(queue, cluster.redis, cluster.workers);
  const { arrivals, calls, refused } = await ctx.portal.newProgress();
  const missing = sent.accepted - new Set(arrivals.map((a) => a.portalKey)).size;
  await pause(1500); // the message log's sealer and the last records settle
  return {
    name,
    messages: sent.accepted,
    rate: sent.accepted / run.seconds,
    cpuMsPerMessage: run.cpuMs / sent.accepted,
    commandsPerMessage: run.commands / sent.accepted,
    redisCpuMsPerMessage: run.redisCpuMs / sent.accepted,
    recordsPerCall: calls ? arrivals.length / calls : undefined,
    machineBusy: run.machineBusy,
    ...aofOf(run, sent.accepted),
    errors: sent.errors + run.failed + refused + Math.max(0, missing),
  };
}
