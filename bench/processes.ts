import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/gateway.ts';

/** One bench-server process: its url (READY line) and pid, for CPU time and memory read from /proc. */
export interface BenchProcess {
  scenario: string;
  url: string;
  child: ChildProcess;
  pid: number;
}

/** Linux's clock tick (USER_HZ): /proc/<pid>/stat counts CPU time in these. 100 on every Linux we run on. */
const ticksPerSecond = 100;

/** User + system CPU time a process has used so far, in ms (from /proc: the process may be any of ours). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and (comm) are cut off.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** The machine's CPU time so far, busy and all (every core, in ticks, from /proc/stat): how loaded a row left it. */
export function machineTicks(): { busy: number; all: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = fields.slice(0, 8).reduce((sum, n) => sum + n, 0); // user … steal (guest time is inside user)
  const idle = fields[3]! + fields[4]!; // idle + iowait
  return { busy: all - idle, all };
}

/** Resident set size of a process, in bytes. */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * Starts bench-server processes and keeps every one it started, so a failed run stops them all: stopAll() is
 * called on success and on failure alike.
 */
export class BenchProcesses {
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly workDir: string) {}

  async start(scenario: string, config: object, timeoutMs = 120_000): Promise<BenchProcess> {
    const file = join(this.workDir, `${scenario}-${randomBytes(3).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(config));
    // BENCH_CPU_PROF=<dir>: every server writes a V8 CPU profile there when stopped (open it in Chrome DevTools).
    // One folder per server: node writes a profile per thread (tsx's loader has its own), the largest is the server's.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(process.env.BENCH_CPU_PROF, `${scenario}-${randomBytes(2).toString('hex')}`)] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/bench-server.ts', scenario, file], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    let errors = '';
    child.stderr!.on('data', (d: Buffer) => {
      errors = (errors + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${scenario} server did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      child.stdout!.on('data', (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        const match = /READY (\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${scenario} server exited ${code}: ${errors}`));
      });
    });
    return { scenario, url, child, pid: child.pid! };
  }

  /** SIGTERM, then SIGKILL after 10 s: nothing outlives the bench. */
  async stop(proc: BenchProcess | ChildProcess): Promise<void> {
    const child = 'child' in proc ? proc.child : proc;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const escalate = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(escalate);
        done();
      });
      child.kill('SIGTERM');
      child.kill('SIGCONT'); // one held by holdWhile() gets its SIGTERM
    });
  }

  /**
   * Runs `work` with these processes stopped (SIGSTOP) and continues them after, whatever happens: a row measured
   * beside them gets the machine to itself, not beside their timers and background upkeep.
   */
  async holdWhile<T>(held: BenchProcess[], work: () => Promise<T>): Promise<T> {
    for (const p of held) p.child.kill('SIGSTOP');
    try {
      return await work();
    } finally {
      for (const p of held) p.child.kill('SIGCONT');
    }
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.running].map((child) => this.stop(child)));
  }
}
