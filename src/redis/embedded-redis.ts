import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

export class RedisServerMissingError extends Error {
  constructor() {
    super('redis-server is not installed. Fix: `sudo apt-get install -y redis-server`, or set REDIS_URL to an existing Redis.');
    this.name = 'RedisServerMissingError';
  }
}

/** The redis-server child did not come up: one line saying why (its own words), for start-up to print. */
export class EmbeddedRedisFailedError extends Error {
  constructor(port: number, reason: string) {
    super(`the embedded redis-server did not start on port ${port} (/redis/embedded/port): ${reason}`);
    this.name = 'EmbeddedRedisFailedError';
  }
}

/** The line of redis-server's own log that says why it did not start (it logs one line per event). */
function reasonIn(output: string): string {
  const lines = output.split('\n').map((l) => l.replace(/^\d+:[A-Z] .*?[*#.-] /, '').trim()).filter(Boolean);
  return lines.find((l) => /address already in use|permission denied|can't|cannot|fatal|error/i.test(l)) ?? lines.at(-1) ?? 'no output';
}

/**
 * Children still running when this process exits (a crash, process.exit after a failed start) are killed then:
 * a redis-server outliving its gateway would hold the port and the data directory for the next start.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

export interface EmbeddedRedisOptions {
  dir: string;
  /** 0 picks a free port. */
  port: number;
  appendfsync: 'always' | 'everysec';
  /** More redis-server arguments, e.g. `--replicaof 127.0.0.1 6390` or `--cluster-enabled yes` (tests build topologies). */
  extraArgs?: string[];
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * A redis-server child process with AOF persistence, as BullMQ needs it: `noeviction`, AOF on, data in `dir`.
 * Used by `npm start` when no REDIS_URL is given, and by the tests (each on its own port and temp dir).
 */
export class EmbeddedRedis {
  private child?: ChildProcess;
  private readonly exitListeners: Array<(reason: string) => void> = [];
  port = 0;

  constructor(protected readonly options: EmbeddedRedisOptions) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    if (!redisServerAvailable()) throw new RedisServerMissingError();
    const dir = resolve(this.options.dir);
    mkdirSync(dir, { recursive: true });
    this.port = this.port || this.options.port || (await freePort());
    const child = spawn('redis-server', this.serverArgs(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    let output = '';
    let up = false;
    child.once('exit', (code, signal) => {
      running.delete(child);
      // Up, and still the current child, so neither stop() nor kill() asked for this: it crashed, or was killed.
      if (!up || this.child !== child) return;
      this.child = undefined;
      const reason = `${signal ? `signal ${signal}` : `exit code ${code}`}; its last words: ${reasonIn(output)}`;
      for (const listener of this.exitListeners) listener(reason);
    });
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    try {
      await this.waitUntilReady(child, () => output);
    } catch (err) {
      await this.stop();
      throw err;
    }
    up = true;
    return this.url;
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * `listener` hears of every exit nobody asked for (a crash, the OOM killer, a kill -9 from outside) once the server
   * was up; not of stop() or kill(). See keepEmbeddedRedisUp.
   */
  onUnexpectedExit(listener: (reason: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** The command line of redis-server; a subclass may start something else (a sentinel) the same way. */
  protected serverArgs(dir: string): string[] {
    return [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', this.options.appendfsync,
      '--maxmemory-policy', 'noeviction',
      '--save', '',
      '--daemonize', 'no',
      ...(this.options.extraArgs ?? []),
    ];
  }

  private async waitUntilReady(child: ChildProcess, output: () => string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EmbeddedRedisFailedError(this.port, reasonIn(output()));
      }
      // Timeouts: whatever else listens on the port (not a Redis) may accept and never answer.
      const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 1000 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        // Our child, not another redis-server already on this port (a second `npm start`): that one is not ours to use.
        const pid = /process_id:(\d+)/.exec(await probe.info('server'))?.[1];
        if (pid !== undefined && Number(pid) === child.pid) return;
      } catch {
        // not listening yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new EmbeddedRedisFailedError(this.port, `no answer within 10 s; it said: ${reasonIn(output())}`);
  }

  /** Crash it (SIGKILL): tests use this to prove the AOF keeps what was acknowledged. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  /** A clean shutdown; redis-server flushes the AOF on SIGTERM. */
  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    // Exited already (by itself or by a signal): its 'exit' has been heard, and waiting for it again would never end.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.child = undefined; // asked for: not an unexpected exit
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }
}
