import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/gateway.ts';

const run = promisify(execFile);

/** Runs `bin/gatewayctl.mjs args` against a gateway as the admin whose token is given: exit code and what it printed. */
export async function runGatewayctl(gatewayUrl: string, token: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['bin/gatewayctl.mjs', ...args], { cwd: projectRoot, env: { ...process.env, GATEWAY_URL: gatewayUrl, GATEWAY_ADMIN_TOKEN: token } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, out: e.stderr };
  }
}
