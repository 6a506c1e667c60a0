/**
 * npm run bench: the gateway beside the bare stack it is built on, each ratio measured in the same run on the same
 * machine (load generator, simulators and Redis share its cores). One table:
 * - ingest: fastify hello-world, a bare route → queue.add, and the gateway (auth, parse, schema, CMS verify, dedupe,
 *   durable enqueue, message log), with AOF everysec and always; every gateway request a new message signed for it;
 * - delivery: a queue of status updates released to a bare BullMQ worker + undici POST, then to the gateway's
 *   workers (ordering, signing, the connector's records), same portal simulator, process count and concurrency;
 * - latency: accept → delivered at 200 msg/s, and the highest steady rate whose p99 stays under 1 s;
 * - memory: Redis bytes per accepted message through a soak, and the RSS of the api and workers sampled through it;
 * - signature verification in process.
 *
 * Counts, not durations, so a busy machine makes a row slower, never empty. BENCH_SMOKE=1 makes every count small
 * (the tests run it so the bench cannot rot). Tunables: BENCH_REQUESTS (ingest requests per row, 30,000),
 * BENCH_INGEST_ROUNDS (3: every ingest scenario in turn, the ratio the median of each round's),
 * BENCH_CONNECTIONS (50), BENCH_DOSSIERS (2,000), BENCH_DELIVERY_MESSAGES (20,000), BENCH_DELIVERY_ROUNDS (3:
 * bare and gateway alternate, the ratio is the median of each round's), BENCH_LATENCY_SECONDS (10),
 * BENCH_RATES ("200,400,700,1000,1500,2000,3000"), BENCH_STEP_SECONDS (10), BENCH_SOAK_SECONDS (60; 600 for the
 * record), BENCH_SOAK_RATE (200), BENCH_ONLY ("ingest" or "delivery": one part), BENCH_CPU_PROF=<dir> (a CPU profile of
 * every server process). A failed run stops every process it started.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { MessageLog } from '../src/audit/message-log.ts';
import { EmbeddedRedis } from '../src/redis/embedded-redis.ts';
import { BenchSetup } from './bench-setup.ts';
import { bareDelivery, gatewayDelivery, redisFootprint, startGatewayCluster, type DeliveryContext, type DeliveryRow, type GatewayCluster } from './delivery-bench.ts';
import { loadIngest, type IngestRow } from './ingest-bench.ts';
import { highestSteadyRate, sampleRss, stagesNote, steadyLatency } from './latency-bench.ts';
import { StatusUpdates } from './messages.ts';
import { PortalWatch } from './portal-watch.ts';
import { BenchProcesses } from './processes.ts';
import { signatureBenchmarks } from './signature-bench.ts';
import { formatTable, type TableRow } from './table.ts';
import { scriptWorkDir } from '../test/helpers/script-work-dir.ts';

const smoke = process.env.BENCH_SMOKE === '1';
const num = (name: string, normal: number, small: number) => Number(process.env[name] ?? (smoke ? small : normal));
/** A count of rounds: a whole number from 1, or the bench stops before it starts anything. */
const roundCount = (name: string, normal: number, small: number) => {
  const value = num(name, normal, small);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1, not ${process.env[name]}`);
  return value;
};
const settings = {
  requests: num('BENCH_REQUESTS', 30_000, 200),
  connections: num('BENCH_CONNECTIONS', 50, 4),
  // Enough dossiers that one dossier's consecutive updates are sent well apart at every rate tried.
  dossiers: num('BENCH_DOSSIERS', 2_000, 200),
  deliveryMessages: num('BENCH_DELIVERY_MESSAGES', 20_000, 200),
  // Two rounds in smoke mode, so the path of a later round is run too.
  ingestRounds: roundCount('BENCH_INGEST_ROUNDS', 3, 2),
  deliveryRounds: roundCount('BENCH_DELIVERY_ROUNDS', 3, 2),
  latencySeconds: num('BENCH_LATENCY_SECONDS', 10, 1),
  rates: (process.env.BENCH_RATES ?? (smoke ? '50,100' : '200,400,700,1000,1500,2000,3000')).split(',').map(Number),
  stepSeconds: num('BENCH_STEP_SECONDS', 10, 1),
  soakSeconds: num('BENCH_SOAK_SECONDS', 60, 2),
  soakRate: num('BENCH_SOAK_RATE', 200, 100),
  workers: 2,
  concurrency: 8,
};
const latencyLimitMs = 1000;

const workDir = scriptWorkDir('gw-bench-');
const processes = new BenchProcesses(workDir);
const redises = ['everysec', 'always', 'delivery'].map((name) => new EmbeddedRedis({ dir: join(workDir, `redis-${name}`), port: 0, appendfsync: name === 'everysec' ? 'everysec' : 'always' }));
const [redisEverysec, redisAlways, redisDelivery] = redises as [EmbeddedRedis, EmbeddedRedis, EmbeddedRedis];
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function stopEverything(): Promise<void> {
  await processes.stopAll();
  await Promise.allSettled(redises.map((r) => r.stop()));
  rmSync(workDir, { recursive: true, force: true });
}

async function ingestRows(setup: BenchSetup): Promise<TableRow[]> {
  say(`signing ${settings.requests} distinct status updates for the ingest rows…`);
  const messages = new StatusUpdates(settings.requests, setup.partnerSigner).presign(settings.requests);
  const scenarios: Array<[string, string, EmbeddedRedis]> = [
    ['fastify hello-world', 'hello', redisEverysec],
    ['bare: route → queue.add (AOF everysec)', 'bare', redisEverysec],
    ['gateway ingest (AOF everysec)', 'gateway', redisEverysec],
    ['bare: route → queue.add (AOF always)', 'bare', redisAlways],
    ['floor: bare route + CMS verify (AOF always)', 'bare-verify', redisAlways],
    ['gateway ingest (AOF always, default)', 'gateway', redisAlways],
  ];
  // Rounds run every scenario in turn, so a slow or fast stretch of the machine falls on baseline and gateway alike;
  // a ratio is the median of each round's own pair. Each row's server stores under a prefix of its own: every
  // gateway request is a new message, never a duplicate of an earlier round's.
  const rounds: IngestRow[][] = [];
  for (let round = 1; round <= settings.ingestRounds; round++) {
    const rows: IngestRow[] = [];
    for (const [name, scenario, redis] of scenarios) {
      const config = setup.gatewayConfig({ role: 'api', redisUrl: redis.url, prefix: `bench${round}-${rows.length}` });
      const server = await processes.start(scenario, config);
      say(`ingest round ${round} of ${settings.ingestRounds}, ${name}: ${settings.requests} requests at ${settings.connections} connections…`);
      rows.push(await loadIngest(name, server.url, setup.apiKey, messages, settings.connections, scenario === 'gateway' || scenario === 'bare-verify'));
      await processes.stop(server);
    }
    rounds.push(rows);
  }
  // The gateway and the floor are measured against the bare route on the same Redis, the bare routes against hello.
  const ofAof = (kind: string, rows: IngestRow[], row: IngestRow) => rows.find((r) => r.name.startsWith(kind) && r.name.includes(/AOF \w+/.exec(row.name)?.[0] ?? '§'))?.rps;
  return scenarios.map(([name], i) => {
    const each = rounds.map((rows) => rows[i]!);
    const against = (kind: string) => rounds.map((rows) => rows[i]!.rps / (ofAof(kind, rows, rows[i]!) ?? NaN));
    const ratios = name.startsWith('bare') ? rounds.map((rows) => rows[i]!.rps / rows[0]!.rps) : against('bare');
    const ratio = i === 0 ? '' : name.startsWith('gateway') ? median(ratios).toFixed(2) : `${median(ratios).toFixed(2)} of ${name.startsWith('bare') ? 'hello' : 'bare'}`;
    const ofFloor = name.startsWith('gateway') ? against('floor').filter((r) => !Number.isNaN(r)) : [];
    return {
      section: 'ingest',
      name,
      value: `${Math.round(median(each.map((r) => r.rps)))} req/s`,
      p50: Math.round(median(each.map((r) => r.p50))),
      p99: Math.round(median(each.map((r) => r.p99))),
      errors: each.reduce((sum, r) => sum + r.errors, 0),
      ratio,
      note:
        `${each[0]!.requests} requests${each.length > 1 ? `; median of ${each.length} rounds: ${eachRound(each.map((r) => r.rps))} req/s` : ''}` +
        (ofFloor.length ? `; ${median(ofFloor).toFixed(2)} of the floor with CMS verify (rounds ${ofFloor.map((r) => r.toFixed(2)).join(', ')})` : ''),
    };
  });
}

async function deliveryAndAfter(setup: BenchSetup): Promise<TableRow[]> {
  const portalProcess = await processes.start('portal', setup.bareConfig(redisDelivery.url, 'benchportal', { portalUrl: '', queueName: '', concurrency: 0 }));
  const portal = new PortalWatch(portalProcess.url);
  const ctx: DeliveryContext = { redisUrl: redisDelivery.url, processes, setup, portal, workers: settings.workers, concurrency: settings.concurrency, dossiers: settings.dossiers, messages: settings.deliveryMessages };
  const rows: TableRow[] = [];
  const cluster = await startGatewayCluster(ctx);
  try {
    // Rounds alternate, bare then gateway, so a slow or fast stretch of the machine falls on both; each ratio is of a
    // round's own pair. The gateway's processes are stopped while the bare worker runs (their upkeep is not its load).
    const bareUpdates = new StatusUpdates(ctx.dossiers);
    const bare: DeliveryRow[] = [];
    const floor: DeliveryRow[] = [];
    const gateway: DeliveryRow[] = [];
    for (let round = 1; round <= settings.deliveryRounds; round++) {
      say(`delivery round ${round} of ${settings.deliveryRounds}, bare worker: ${ctx.messages} messages, ${ctx.workers} processes × ${ctx.concurrency}…`);
      bare.push(await processes.holdWhile([cluster.api, ...cluster.workers], () => bareDelivery(ctx, bareUpdates, round === 1)));
      say(`delivery round ${round} of ${settings.deliveryRounds}, bare worker with a durable write before each POST…`);
      floor.push(await processes.holdWhile([cluster.api, ...cluster.workers], () => bareDelivery(ctx, bareUpdates, false, true)));
      say(`delivery round ${round} of ${settings.deliveryRounds}, gateway workers: ${round === 1 ? `${ctx.dossiers} dossiers made known to the portal, then ` : ''}${ctx.messages} updates…`);
      gateway.push(await gatewayDelivery(ctx, cluster, `gateway workers, ${ctx.workers} processes × ${ctx.concurrency} (default config)`, round === 1));
      if (round < settings.deliveryRounds) say(`waited ${(await settled(cluster)).toFixed(1)} s for the round's log entries to be sealed`);
    }
    const ratios = gateway.map((g, i) => g.rate / bare[i]!.rate);
    const floorRatios = floor.map((f, i) => f.rate / bare[i]!.rate);
    const ofFloor = gateway.map((g, i) => g.rate / floor[i]!.rate);
    rows.push(deliveryRow(bare, '1.00'), deliveryRow(floor, median(floorRatios).toFixed(2), floorRatios));
    const gatewayRow = deliveryRow(gateway, median(ratios).toFixed(2), ratios);
    rows.push({ ...gatewayRow, note: `${gatewayRow.note}; ${median(ofFloor).toFixed(2)} of the floor with a durable write (rounds ${ofFloor.map((r) => r.toFixed(2)).join(', ')})` });
    rows.push(...(await latencyRows(cluster, portal, setup)));
  } finally {
    await cluster.close();
  }
  await processes.stop(portalProcess);
  return rows;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Each round's rate, and its own pair's ratio when given: "2489 (0.51) / 2354 (0.54)". */
const eachRound = (rates: number[], ratios?: number[]) => rates.map((rate, i) => `${Math.round(rate)}${ratios ? ` (${ratios[i]!.toFixed(2)})` : ''}`).join(' / ');

/** One row for a scenario's rounds: the median rate, each round's rate (and ratio), costs per message over all rounds. */
function deliveryRow(rounds: DeliveryRow[], ratio: string, ratios?: number[]): TableRow {
  /** A per-message figure over the rounds' messages (`among`: only those rounds that measured it). */
  const perMessage = (of: (r: DeliveryRow) => number, among = rounds) => among.reduce((sum, r) => sum + of(r) * r.messages, 0) / among.reduce((sum, r) => sum + r.messages, 0);
  const records = rounds.every((r) => r.recordsPerCall) ? perMessage((r) => r.recordsPerCall!) : undefined;
  const measuredAof = rounds.filter((r) => r.aofBytesPerMessage !== undefined);
  const aofBytes = measuredAof.length ? perMessage((r) => r.aofBytesPerMessage!, measuredAof) : undefined;
  const rewrites = rounds.reduce((sum, r) => sum + r.aofRewrites, 0);
  return {
    section: 'delivery',
    name: rounds[0]!.name,
    value: `${Math.round(median(rounds.map((r) => r.rate)))} msg/s`,
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    ratio,
    note:
      `${rounds.length === 1 ? `1 round of ${rounds[0]!.messages} messages` : `median of ${rounds.length} rounds of ${rounds[0]!.messages} messages: ${eachRound(rounds.map((r) => r.rate), ratios)} msg/s`}; ` +
      `${perMessage((r) => r.cpuMsPerMessage).toFixed(2)} ms worker CPU, ${perMessage((r) => r.commandsPerMessage).toFixed(1)} Redis commands and ${perMessage((r) => r.redisCpuMsPerMessage).toFixed(2)} ms Redis CPU per message` +
      `${records ? `, ${records.toFixed(1)} records per portal call` : ''}; ${aofBytes === undefined ? '' : `${(aofBytes / 1000).toFixed(1)} kB appended to the AOF per message, `}` +
      `${rewrites ? `${rewrites} AOF rewrite${rewrites > 1 ? 's' : ''} during the drains, ` : ''}machine CPU ${Math.round(100 * perMessage((r) => r.machineBusy))} % busy`,
  };
}

/**
 * After the delivery drain the workers still seal (hash-chain) its tens of thousands of log entries; latency is
 * measured in steady state, once that backlog is sealed, as it would be a while after an outage's backlog went out.
 */
async function settled(cluster: GatewayCluster): Promise<number> {
  const started = Date.now();
  const pending = new MessageLog(cluster.redis, cluster.prefix, '').keys.pending;
  while ((await cluster.redis.llen(pending)) > 100 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 200));
  return (Date.now() - started) / 1000;
}

async function latencyRows(cluster: GatewayCluster, portal: PortalWatch, setup: BenchSetup): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  const rate = 200;
  say(`waited ${(await settled(cluster)).toFixed(1)} s for the drain's log entries to be sealed`);
  say(`latency at ${rate} msg/s for ${settings.latencySeconds} s…`);
  const messages = cluster.updates.presign(rate * settings.latencySeconds);
  let i = 0;
  const at200 = await steadyLatency(cluster, portal, setup.apiKey, rate, settings.latencySeconds, () => messages[i++ % messages.length]!, 60_000);
  rows.push({ section: 'latency', name: `accept → delivered at ${rate} msg/s`, value: `${Math.round(at200.rate)} msg/s`, p50: at200.p50, p99: at200.p99, errors: at200.errors, note: `${at200.accepted} messages, ${settings.latencySeconds} s; ${stagesNote(at200.stages)}` });

  say(`highest steady rate with p99 < ${latencyLimitMs} ms, steps ${settings.rates.join(', ')} msg/s of ${settings.stepSeconds} s…`);
  const search = await highestSteadyRate(cluster, portal, setup.apiKey, settings.rates, settings.stepSeconds, latencyLimitMs);
  const steps = search.tried.map((t) => `${t.rate} ${t.passed ? 'ok' : `no (p99 ${t.result.p99} ms, ${t.result.errors} errors)`}`).join('; ');
  rows.push({
    section: 'latency',
    name: `highest steady rate with p99 < ${latencyLimitMs / 1000} s`,
    value: search.best ? `${Math.round(search.best.rate)} msg/s` : `< ${settings.rates[0]} msg/s`,
    p50: search.best?.p50,
    p99: search.best?.p99,
    errors: 0,
    note: `steps of ${settings.stepSeconds} s: ${steps}`,
  });

  say(`soak at ${settings.soakRate} msg/s for ${settings.soakSeconds} s (signed as sent), RSS sampled…`);
  const everyMs = Math.min(10_000, Math.max(250, (settings.soakSeconds * 1000) / 5));
  const sampler = sampleRss([{ name: 'api', process: cluster.api }, ...cluster.workers.map((w, n) => ({ name: `worker ${n + 1}`, process: w }))], everyMs);
  const footprintBefore = await redisFootprint(cluster.redis);
  const soak = await steadyLatency(cluster, portal, setup.apiKey, settings.soakRate, settings.soakSeconds, () => cluster.updates.next(), 120_000);
  const series = sampler.stop();
  await new Promise((r) => setTimeout(r, 1500)); // the message log's sealer settles
  const footprintAfter = await redisFootprint(cluster.redis);
  const perMessage = (footprintAfter.usedMemory - footprintBefore.usedMemory) / soak.accepted;
  const keysPerMessage = (footprintAfter.keys - footprintBefore.keys) / soak.accepted;
  rows.push({ section: 'memory', name: 'soak: accept → delivered', value: `${Math.round(soak.rate)} msg/s`, p50: soak.p50, p99: soak.p99, errors: soak.errors, note: `${soak.accepted} messages, ${settings.soakSeconds} s; ${stagesNote(soak.stages)}` });
  rows.push({ section: 'memory', name: 'Redis bytes per accepted message', value: `${Math.round(perMessage)} B`, errors: 0, note: `${keysPerMessage.toFixed(2)} keys per message; used_memory ${mb(footprintBefore.usedMemory)} → ${mb(footprintAfter.usedMemory)} MB over the soak` });
  for (const s of series) {
    const samples = s.samples.length ? s.samples : [0];
    rows.push({
      section: 'memory',
      name: `RSS ${s.name}`,
      value: `${mb(samples.at(-1)!)} MB`,
      errors: 0,
      note: `first/last/min/max ${[samples[0]!, samples.at(-1)!, Math.min(...samples), Math.max(...samples)].map(mb).join(' / ')} MB, ${samples.length} samples every ${everyMs / 1000} s`,
    });
  }
  return rows;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const loadAtStart = loadavg()[0]!;

function machine(): string {
  const redisVersion = /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? '?';
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16);
  return `${date} UTC · ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'} · ${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version} · Redis ${redisVersion} · load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end · log level warn${smoke ? ' · SMOKE (tiny counts: the numbers mean nothing)' : ''}`;
}

async function main() {
  say(`work dir ${workDir} (removed at the end, with every process started here stopped)`);
  await Promise.all(redises.map((r) => r.start()));
  const setup = new BenchSetup(workDir);
  const only = process.env.BENCH_ONLY;
  const rows: TableRow[] = [...(only === 'delivery' ? [] : await ingestRows(setup)), ...(only === 'ingest' ? [] : await deliveryAndAfter(setup))];
  say('signature verification in process…');
  const body = new StatusUpdates(1, setup.partnerSigner).next().body;
  for (const r of await signatureBenchmarks(setup.pki, body, smoke ? 200 : 1500)) rows.push({ section: 'signatures', name: r.name, value: `${Math.round(r.opsPerSecond)} /s`, errors: 0 });
  process.stdout.write(`\nnpm run bench · ${machine()}\n(load generator, simulators and Redis on the same cores; ratios are of rows measured in this run)\n\n${formatTable(rows)}\n`);
}

main().then(stopEverything, async (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  await stopEverything();
  process.exit(1);
});
