import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '../src/config/types.ts';
import { projectRoot } from '../src/gateway.ts';

/** A real gateway process (`tsx src/main.ts`) started with the given config, so tests can SIGKILL it. */
export class GatewayProcess {
  output = '';
  private constructor(readonly child: ChildProcess) {}

  /** `env` adds to the test's environment, e.g. GATEWAY_FAILPOINTS to make it die at a chosen instant. */
  static start(config: GatewayConfig, env: Record<string, string> = {}): GatewayProcess {
    const dir = mkdtempSync(join(tmpdir(), 'gw-proc-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, GATEWAY_CONFIG: file, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new GatewayProcess(child);
    child.stdout?.on('data', (d: Buffer) => (proc.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (proc.output += d.toString()));
    return proc;
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`gateway process never printed ${pattern}:\n${this.output}`);
      if (this.child.exitCode !== null) throw new Error(`gateway process exited ${this.child.exitCode}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops it with `signal`; a process that ignores SIGTERM for 10 s is killed -9, so nothing outlives its starter. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const escalate = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(escalate);
        done();
      });
      this.child.kill(signal);
    });
  }
}
