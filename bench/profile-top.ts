/**
 * Where a CPU profile's time went, for profiles written with BENCH_CPU_PROF:
 *   tsx bench/profile-top.ts <file.cpuprofile> [rows] [--seconds FROM-TO] [--timeline]
 * prints self time by package or file (node_modules/<pkg>, src/…) and by function, as shares of the samples.
 * A bench server's profile covers its whole life (start-up, every row it served): `--timeline` prints how busy it
 * was each second since the profile started, and `--seconds 105-117` keeps only that stretch (the queue draining,
 * say), so the shares are of what it did then.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds between samples (the first from startTime). */
  timeDeltas: number[];
  startTime: number;
}

const usage = 'usage: tsx bench/profile-top.ts <file.cpuprofile> [rows] [--seconds FROM-TO] [--timeline]\n' +
  '  FROM-TO: whole seconds since the profile started, both included (--timeline shows which are which)\n';
/** The arguments, or a reason to print the usage: a mistyped option must not read as "no samples". */
function parseArgs(argv: string[]): { file: string; rows: number; from: number; to: number; timeline: boolean } | string {
  const positional: string[] = [];
  let timeline = false;
  let span: [number, number] = [0, Infinity];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--timeline') timeline = true;
    else if (arg === '--seconds') {
      const match = /^(\d+)-(\d+)$/.exec(argv[++i] ?? '');
      if (!match || Number(match[1]) > Number(match[2])) return `--seconds wants FROM-TO with FROM <= TO, got "${argv[i] ?? ''}"`;
      span = [Number(match[1]), Number(match[2])];
    } else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else positional.push(arg);
  }
  const [file, rows = '25', ...extra] = positional;
  if (!file) return 'no profile file given';
  if (extra.length) return `unexpected arguments: ${extra.join(' ')}`;
  if (!/^[1-9]\d*$/.test(rows)) return `rows must be a positive whole number, got "${rows}"`;
  return { file, rows: Number(rows), from: span[0], to: span[1], timeline };
}
const parsed = parseArgs(process.argv.slice(2));
if (typeof parsed === 'string') {
  process.stderr.write(`${parsed}\n${usage}`);
  process.exit(2);
}
const { file, rows, from, to, timeline } = parsed;
const span = Number.isFinite(to) ? `${from}-${to}` : undefined;

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
/** V8's entry for the thread waiting on the event loop; '(program)' is native work outside JavaScript, and counts as busy. */
const isIdle = (id: number) => byNode.get(id)!.callFrame.functionName === '(idle)';

/**
 * Each sample with the second (since the profile started) it was taken in. V8 records the time before each sample
 * (timeDeltas); the sample stands for that interval, so a long stall lands in the second of the sample after it.
 */
let elapsed = 0;
const samples = profile.samples.map((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  return { id, second: Math.floor(elapsed / 1e6), micros: profile.timeDeltas[i] ?? 0 };
});

if (timeline) {
  // Busy time within each second, weighted by the intervals the samples stand for (the tables below count samples).
  const busy = new Map<number, number>();
  for (const { id, second, micros } of samples) busy.set(second, (busy.get(second) ?? 0) + (isIdle(id) ? 0 : micros));
  console.log('second  busy');
  for (const [second, micros] of [...busy].sort((a, b) => a[0] - b[0])) console.log(`${String(second).padStart(6)}  ${Math.round(micros / 1e4)} %`);
}

const counts = new Map<number, number>();
for (const { id, second } of samples) if (second >= from && second <= to) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
if (total === 0) {
  console.log(`\nno samples${span ? ` in seconds ${span}` : ''} (the profile covers seconds 0-${samples.at(-1)?.second ?? 0})`);
  process.exit(0);
}

const where = (functionName: string, url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/((?:src|connectors|bench|test|scripts)\/.*)$/.exec(url)?.[1];
  if (own) return own;
  if (url.startsWith('node:')) return url;
  // No script: V8's idle, program and garbage-collector entries by name, the rest native code called from JS.
  return url ? 'other' : functionName.startsWith('(') ? functionName : '(native)';
};
const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
const functions = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, n] of counts) {
  const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
  const place = where(functionName, url);
  add(functions, `${functionName || '(anonymous)'}  ${place}:${lineNumber + 1}`, n);
  add(places, place, n);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`);
};
console.log(`\n${total} samples${span ? ` in seconds ${span}` : ''}`);
print('self time by package or file', places);
print('self time by function', functions);
