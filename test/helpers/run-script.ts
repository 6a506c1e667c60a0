import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayProcess } from '../../chaos/gateway-process.ts';
import type { GatewayConfig } from '../../src/config/types.ts';
import { projectRoot } from '../../src/gateway.ts';

export interface ScriptRun {
  code: number | null;
  output: string;
}

/**
 * Runs one of the project's scripts as a person does (`tsx <script> args` from the project root) and resolves with its
 * exit code and everything it printed. `timeoutMs` kills a script that hangs, so its test fails instead of waiting.
 */
export function runScript(script: string, args: string[] = [], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: projectRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `npm run sample:<name>` against the sandbox described by `infoFile`. */
export const runSample = (infoFile: string, name: string, args: string[] = [], timeoutMs = 30_000) =>
  runScript(`scripts/${name}.ts`, args, { env: { SANDBOX_INFO: infoFile }, timeoutMs });

/** `npm start` with its embedded Redis and sandbox in a temp dir of their own; resolves once the banner is printed. */
export async function startSandboxGateway(name: string): Promise<{ gateway: GatewayProcess; infoFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
  const gateway = GatewayProcess.start({ http: { port: 0 }, redis: { embedded: { port: 0, dir: join(dir, 'redis') } }, sandbox: { dir: join(dir, 'sandbox') } } as unknown as GatewayConfig);
  await gateway.waitForOutput(/Send a signed status update/, 30_000);
  return { gateway, infoFile: join(dir, 'sandbox', 'sandbox.json') };
}
