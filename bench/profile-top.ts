/**
 * Where a CPU profile's time went: `tsx bench/profile-top.ts <file.cpuprofile> [rows]` prints self time by
 * function and by package/file (node_modules/<pkg>, src/…), for profiles written with BENCH_CPU_PROF.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, rowsArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const rows = Number(rowsArg ?? 25);
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map<number, number>();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;

const where = (url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/((?:src|connectors|bench)\/.*)$/.exec(url)?.[1];
  return own ?? (url.startsWith('node:') ? url : url ? 'other' : '(native/gc/idle)');
};
const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
const functions = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, n] of counts) {
  const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
  add(functions, `${functionName || '(anonymous)'}  ${where(url)}:${lineNumber + 1}`, n);
  add(places, where(url), n);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`);
};
print('self time by package or file', places);
print('self time by function', functions);
