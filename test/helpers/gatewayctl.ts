import { spawn } from 'node:child_process';
import { projectRoot } from '../../src/gateway.ts';

/**
 * Runs `bin/gatewayctl.mjs args` against a gateway as the admin whose token is given: exit code and what it printed
 * (stdout when it exits 0, else stderr, where a confirmation question also goes). `input` is what it reads on stdin, which is then closed.
 */
export async function runGatewayctl(
  gatewayUrl: string,
  token: string,
  ...args: Array<string | { input: string }>
): Promise<{ code: number; out: string }> {
  const input = args.find((a): a is { input: string } => typeof a !== 'string')?.input ?? '';
  const argv = args.filter((a): a is string => typeof a === 'string');
  const child = spawn(process.execPath, ['bin/gatewayctl.mjs', ...argv], { cwd: projectRoot, env: { ...process.env, GATEWAY_URL: gatewayUrl, GATEWAY_ADMIN_TOKEN: token } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => {}); // it may exit before reading stdin
  child.stdin.end(input);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode ?? -1));
  });
  return { code, out: code === 0 ? stdout : stderr };
}
