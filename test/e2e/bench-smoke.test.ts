import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';

/**
 * `npm run bench` in a smoke mode (a second per row, a few connections), so the script cannot rot unnoticed: every row
 * must be printed with numbers and no errors. Nothing here judges speed; the numbers belong to the benchmark.
 */
it('npm run bench prints every row, with no request failing', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], { cwd: projectRoot, env: { ...process.env, BENCH_SECONDS: '1', BENCH_CONNECTIONS: '4' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (exitCode) => resolve({ code: exitCode, output }));
  });
  expect(code, output).toBe(0);
  const row = (name: string) => new RegExp(`^${name.replace(/[()→]/g, '.')}\\s+(\\d+)\\s+\\d+\\s+\\d+\\s+(\\d+)`, 'm').exec(output);
  for (const name of ['fastify hello-world', 'bare: route → queue.add (AOF everysec)', 'gateway ingest (AOF everysec)', 'bare: route → queue.add (AOF always)', 'gateway ingest (AOF always, default)']) {
    const match = row(name);
    expect(match, `${name} in:\n${output}`).not.toBeNull();
    expect(Number(match![1]), name).toBeGreaterThan(0); // requests per second
    expect(Number(match![2]), name).toBe(0); // errors
  }
  for (const name of ['CMS verify, warm chain cache', 'CMS verify, cold chain', 'RSA-2048 verify, node:crypto', 'RSA-2048 verify, node-forge']) {
    expect(output).toMatch(new RegExp(`${name}.*\\s\\d+ /s`));
  }
}, 120_000);
