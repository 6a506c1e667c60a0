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

const args = process.argv.slice(2);
const timeline = args.includes('--timeline');
const secondsAt = args.indexOf('--seconds');
const span = secondsAt === -1 ? undefined : args[secondsAt + 1];
const [file, rowsArg] = args.filter((arg, i) => arg !== '--timeline' && (secondsAt === -1 || (i !== secondsAt && i !== secondsAt + 1)));
if (!file || (span !== undefined && !/^\d+-\d+$/.test(span))) {
  process.stderr.write('usage: tsx bench/profile-top.ts <file.cpuprofile> [rows] [--seconds FROM-TO] [--timeline]\n');
  process.exit(2);
}
const [from, to] = span ? (span.split('-').map(Number) as [number, number]) : [0, Infinity];
const rows = Number(rowsArg ?? 25);

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
/** V8's own entries for a sampled thread doing none of the program's work. */
const isIdle = (id: number) => ['(idle)', '(program)'].includes(byNode.get(id)!.callFrame.functionName);

/** Each sample with the second (since the profile started) it was taken in. */
let elapsed = 0;
const samples = profile.samples.map((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  return { id, second: Math.floor(elapsed / 1e6), micros: profile.timeDeltas[i] ?? 0 };
});

if (timeline) {
  const seconds = new Map<number, { all: number; busy: number }>();
  for (const { id, second, micros } of samples) {
    const s = seconds.get(second) ?? { all: 0, busy: 0 };
    s.all += micros;
    if (!isIdle(id)) s.busy += micros;
    seconds.set(second, s);
  }
  console.log('second  busy');
  for (const [second, { busy }] of [...seconds].sort((a, b) => a[0] - b[0])) console.log(`${String(second).padStart(6)}  ${Math.round(busy / 1e4)} %`);
}

const counts = new Map<number, number>();
for (const { id, second } of samples) if (second >= from && second <= to) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
if (total === 0) {
  console.log(`\nno samples${span ? ` in seconds ${span}` : ''} (the profile spans ${samples.at(-1)?.second ?? 0} s)`);
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
