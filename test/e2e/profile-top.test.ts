import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runScript } from '../helpers/run-script.ts';

/**
 * `tsx bench/profile-top.ts`, which README names for reading BENCH_CPU_PROF's profiles, on a real V8 profile: a node
 * process that spins in a named function, then sits idle. The shares are the profiler's, not judged here; what is
 * judged is that the script reads the profile node writes, names the function where the time went, and that a window
 * of seconds selects samples by when they were taken.
 */
let dir: string;
let profile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-profile-'));
  const program = 'function spinForProfile() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } spinForProfile(); setTimeout(() => {}, 1500);';
  const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', program]);
  expect(run.status, run.stderr.toString()).toBe(0);
  profile = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('names the function the time went to, and how busy each second was', async () => {
  const { code, output } = await runScript('bench/profile-top.ts', [profile, '10', '--timeline']);
  expect(code, output).toBe(0);
  expect(output).toMatch(/^self time by package or file$/m);
  expect(output).toMatch(/^ *\d+\.\d % {2}spinForProfile {2}\S+:1$/m);
  expect(output).toMatch(/^ *\d+\.\d % {2}\(idle\)$/m); // the idle second is V8's (idle), not lumped with native code
  const seconds = [...output.matchAll(/^ +(\d+) {2}(\d+) %$/gm)].map((m) => Number(m[1]));
  expect(seconds.slice(0, 2), output).toEqual([0, 1]); // the spin, then the idle wait
});

it('keeps only the samples of the seconds asked for', async () => {
  const all = await runScript('bench/profile-top.ts', [profile]);
  const first = await runScript('bench/profile-top.ts', [profile, '--seconds', '0-0']);
  const samplesOf = (output: string) => Number(/^(\d+) samples/m.exec(output)?.[1]);
  expect(first.code, first.output).toBe(0);
  expect(samplesOf(first.output)).toBeGreaterThan(0);
  expect(samplesOf(first.output)).toBeLessThan(samplesOf(all.output));
  const after = await runScript('bench/profile-top.ts', [profile, '--seconds', '50-60']);
  expect(after.output).toMatch(/no samples in seconds 50-60 \(the profile spans \d+ s\)/);
});

it('refuses arguments it cannot read, with its usage', async () => {
  const { code, output } = await runScript('bench/profile-top.ts', [profile, '--seconds', 'drain']);
  expect(code).toBe(2);
  expect(output).toContain('usage: tsx bench/profile-top.ts <file.cpuprofile>');
});
