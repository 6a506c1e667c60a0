import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Processes still running in `dir` (a redis-server, which moves into its `--dir`), naming it on their command line (a
 * server given a config file from there) or started with it as their TMPDIR (what the bench and chaos scripts give
 * every process they start): what a script that stops everything it started must leave none of.
 */
export function processesUsing(dir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .flatMap((pid) => {
      try {
        const uses =
          readlinkSync(`/proc/${pid}/cwd`).startsWith(dir) ||
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) ||
          readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`TMPDIR=${dir}`);
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
export function reapProcessesUsing(dir: string): string[] {
  const left = processesUsing(dir);
  for (const pid of left) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
