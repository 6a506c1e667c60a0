import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Processes still running in `dir` (a redis-server, which moves into its `--dir`), naming it on their command line (a
 * server given a config file from there) or started with it as their TMPDIR (what the bench and chaos scripts give
 * every process they start): what a script that stops everything it started must leave none of.
 */
export function processesUsing(dir: string, { byTmpdir = true } = {}): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .flatMap((pid) => {
      try {
        const uses =
          readlinkSync(`/proc/${pid}/cwd`).startsWith(dir) ||
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) ||
          (byTmpdir && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`TMPDIR=${dir}`));
        return uses ? [pid] : [];
      } catch {
        return []; // gone meanwhile, or not ours to read
      }
    });
}

/**
 * The processes a script left in its work dir, killed after they were counted: a test that finds some fails, and the
 * next tests on the machine do not inherit them.
 */
export function reapProcessesUsing(dir: string, options?: { byTmpdir?: boolean }): string[] {
  const left = processesUsing(dir, options);
  for (const pid of left) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}

/**
 * A script's run is over: the work dir it announced ("work dir <path>") is gone, and no process of it is left.
 * Called before anything else about the run is judged, so a failed run's leftovers are stopped before they meet the
 * next tests.
 */
export function expectWorkDirCleared(output: string): void {
  const workDir = /work dir (\S+)/.exec(output)?.[1];
  expect(workDir, `the work dir it announces, in:\n${output}`).toBeDefined();
  expect(reapProcessesUsing(workDir!)).toEqual([]);
  expect(existsSync(workDir!)).toBe(false);
}
