import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runScript } from '../helpers/run-script.ts';

/**
 * `tsx bench/profile-top.ts`, which README names for reading BENCH_CPU_PROF's profiles, on a real V8 profile: a node
 * process that spins in a named function for 300 ms, then sits idle for 2.2 s (so at least one whole second is idle,
 * wherever start-up puts the spin). The shares are the profiler's, not judged closely; what is judged is that the
 * script reads the profile node writes, names the function where the time went, tells a busy second from an idle one,
 * and that a window of seconds selects samples by when they were taken.
 */
let dir: string;
let profile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-profile-'));
  const program = 'function spinForProfile() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } spinForProfile(); setTimeout(() => {}, 2200);';
  const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', program]);
  expect(run.status, run.stderr.toString()).toBe(0);
  profile = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `second -> busy %` from --timeline's lines. */
const timelineOf = (output: string) => new Map([...output.matchAll(/^ +(\d+) {2}(\d+) %$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
/** The share of the samples spinForProfile has, from the by-function table. */
const spinShare = (output: string) => Number(/^ *(\d+\.\d) % {2}spinForProfile /m.exec(output)?.[1] ?? 0);

it('names the function the time went to, and how busy each second was', async () => {
  const { code, output } = await runScript('bench/profile-top.ts', [profile, '10', '--timeline']);
  expect(code, output).toBe(0);
  expect(output).toMatch(/^self time by package or file$/m);
  expect(output).toMatch(/^ *\d+\.\d % {2}spinForProfile {2}\S+:1$/m);
  expect(output).toMatch(/^ *\d+\.\d % {2}\(idle\)$/m); // V8's idle entry by name, not lumped with native code
  const busy = [...timelineOf(output).values()];
  expect(busy.length, output).toBeGreaterThanOrEqual(2);
  expect(Math.max(...busy), output).toBeGreaterThanOrEqual(10); // the second the spin ran in
  expect(Math.min(...busy), output).toBeLessThanOrEqual(5); // a whole second of waiting
});

it('keeps only the samples of the seconds asked for', async () => {
  const all = await runScript('bench/profile-top.ts', [profile, '--timeline']);
  const [busiest] = [...timelineOf(all.output)].sort((a, b) => b[1] - a[1])[0]!;
  const spun = await runScript('bench/profile-top.ts', [profile, '--seconds', `${busiest}-${busiest}`]);
  const samplesOf = (output: string) => Number(/^(\d+) samples/m.exec(output)?.[1]);
  expect(spun.code, spun.output).toBe(0);
  expect(spun.output).toContain(`samples in seconds ${busiest}-${busiest}`);
  expect(samplesOf(spun.output)).toBeLessThan(samplesOf(all.output));
  // The spin is all in its second (or two): its share there is larger than over the whole profile.
  expect(spinShare(spun.output), spun.output).toBeGreaterThan(spinShare(all.output));
  const after = await runScript('bench/profile-top.ts', [profile, '--seconds', '50-60']);
  expect(after.output).toMatch(/no samples in seconds 50-60 \(the profile covers seconds 0-\d+\)/);
});

it('refuses arguments it cannot read, with its usage, instead of printing empty tables', async () => {
  for (const args of [['--seconds', 'drain'], ['--seconds', '5-3'], ['--seconds'], ['abc'], ['--timline'], ['10', 'extra']]) {
    const { code, output } = await runScript('bench/profile-top.ts', [profile, ...args]);
    expect(code, `${args.join(' ')}: ${output}`).toBe(2);
    expect(output).toContain('usage: tsx bench/profile-top.ts <file.cpuprofile>');
  }
});
