/**
 * npm run chaos: faults struck at real processes under load, and what the portal ended up with.
 * 2 api + 3 worker processes on one Redis (AOF always; for the failover, a Sentinel-watched primary and replica with
 * minReplicasAcked 1), the portal simulator behind a link that can be cut; for each
 * scenario a province sends every dossier's status updates in order while the fault strikes, then the run waits for
 * the queue to drain and reads the portal: lost, duplicate effects, ordering violations, time to drain.
 *
 *   npm run chaos                      # 1,000 dossiers × 3 updates per scenario, production retry settings
 *   npm run chaos -- --smoke           # 40 dossiers, short faults, compressed retry settings (the tests run this)
 *   npm run chaos -- --scenarios outage,redis --dossiers 200
 *
 * Exits 1 when anything acknowledged is lost, dead, or applied out of order, or a queue does not drain.
 */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { sendUpdates } from './load.ts';
import { scenarios, type Profile } from './scenarios.ts';
import { Topology } from './topology.ts';
import { scriptWorkDir } from '../test/helpers/script-work-dir.ts';
import { formatTable, judge, type Verdict } from './verdict.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, scenarios: { type: 'string' }, dossiers: { type: 'string' } } });
const smoke = values.smoke!;
const dossiers = Number(values.dossiers ?? (smoke ? 40 : 1000));
const profile: Profile = smoke ? { faultSeconds: 2, downSeconds: 1 } : { faultSeconds: 20, downSeconds: 2 };
const drainTimeoutMs = smoke ? 120_000 : 900_000;
const chosen = values.scenarios ? scenarios.filter((s) => values.scenarios!.split(',').some((word) => s.name.includes(word.trim()))) : scenarios;

// Every dir made here or by the processes started here is made in it, and removed with it.
const runDir = scriptWorkDir('gw-chaos-run-');

// One topology per kind of Redis the chosen scenarios need, started when the first of them runs.
const topologies = new Map<'single' | 'sentinel', Topology>();
let closing: Promise<unknown> | undefined;
const stopEverything = () =>
  (closing ??= Promise.allSettled([...topologies.values()].map((t) => t.close())).then(() => rmSync(runDir, { recursive: true, force: true })));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopEverything().then(() => process.exit(130)));

async function topologyFor(kind: 'single' | 'sentinel'): Promise<Topology> {
  let topology = topologies.get(kind);
  if (!topology) {
    topology = new Topology({ apis: 2, workers: 3, compressed: smoke, redis: kind });
    topologies.set(kind, topology);
    await topology.start();
  }
  return topology;
}

async function runScenario(scenario: (typeof scenarios)[number]): Promise<Verdict> {
  const topology = await topologyFor(scenario.redis);
  const waiting: Array<{ fraction: number; reached: () => void }> = [];
  let progress = 0;
  const at = (fraction: number) => new Promise<void>((reached) => (progress >= fraction ? reached() : waiting.push({ fraction, reached })));
  const deadBefore = (await topology.pending()).dead;
  const load = sendUpdates(topology, {
    dossiers,
    updatesPerDossier: 3,
    concurrency: 16,
    onProgress: (fraction) => {
      progress = fraction;
      for (const w of waiting.filter((w) => w.fraction <= fraction)) w.reached();
    },
  });
  const [sent] = await Promise.all([load, scenario.strike(topology, at, profile)]);
  const calm = Date.now();
  const deadline = calm + drainTimeoutMs;
  let pending = await topology.pending();
  while (pending.unfinished > 0) {
    if (Date.now() > deadline) throw new Error(`${scenario.name}: ${pending.unfinished} messages still not delivered ${drainTimeoutMs / 1000} s after the fault`);
    await new Promise((r) => setTimeout(r, 250));
    pending = await topology.pending();
  }
  return judge(scenario.name, sent, await topology.portalEffects(), pending.dead - deadBefore, (Date.now() - calm) / 1000);
}

async function main(): Promise<number> {
  console.log(`chaos: ${chosen.length} scenarios, ${dossiers} dossiers × 3 updates each, 2 api + 3 worker processes${smoke ? ' (smoke)' : ''}`);
  console.log(`chaos: work dir ${runDir} (removed at the end, with every process started here stopped)`);
  const rows: Verdict[] = [];
  for (const scenario of chosen) {
    console.log(`  ${scenario.name}…`);
    rows.push(await runScenario(scenario));
  }
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
  console.log(formatTable(rows));
  const broken = rows.filter((r) => r.lost > 0 || r.orderingViolations > 0 || r.dead > 0 || r.acknowledged < r.sent);
  if (broken.length) console.log(`\nFAILED: ${broken.map((r) => r.scenario).join(', ')} (lost, dead, unacknowledged or out of order)`);
  return broken.length ? 1 : 0;
}

main()
  .then(async (code) => {
    await stopEverything();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`chaos failed: ${(err as Error).message}`);
    await stopEverything();
    process.exit(1);
  });
