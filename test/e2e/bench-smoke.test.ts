import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';
import { expectWorkDirCleared } from '../helpers/leftover-processes.ts';

/**
 * `npm run bench` in its smoke mode (tiny fixed counts, never durations: a loaded machine makes a row slower, never
 * empty), so the script cannot rot unnoticed: every row must be printed with a number and no errors. Nothing here
 * judges speed; the numbers belong to the benchmark.
 */
const rows = [
  ['ingest', 'fastify hello-world'],
  ['ingest', 'bare: route → queue.add (AOF everysec)'],
  ['ingest', 'gateway ingest (AOF everysec)'],
  ['ingest', 'bare: route → queue.add (AOF always)'],
  ['ingest', 'floor: bare route + CMS verify (AOF always)'],
  ['ingest', 'gateway ingest (AOF always, default)'],
  ['delivery', 'bare: BullMQ worker → undici POST, 2 processes × 8'],
  ['delivery', 'floor: bare worker + one durable write before each POST, 2 processes × 8'],
  ['delivery', 'gateway workers, 2 processes × 8 (default config)'],
  ['latency', 'accept → delivered at 200 msg/s'],
  ['latency', 'highest steady rate with p99 < 1 s'],
  ['memory', 'soak: accept → delivered'],
  ['memory', 'Redis bytes per accepted message'],
  ['memory', 'RSS api'],
  ['memory', 'RSS worker 1'],
  ['memory', 'RSS worker 2'],
  ['signatures', 'CMS verify, warm chain cache'],
  ['signatures', 'CMS verify, cold chain (full path validation)'],
  ['signatures', 'RSA-2048 verify, node:crypto'],
  ['signatures', 'RSA-2048 verify, node-forge'],
];

it('npm run bench prints every row, with no request failing, and stops what it started', async () => {
  const { code, output, stdout } = await new Promise<{ code: number | null; output: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], { cwd: projectRoot, env: { ...process.env, BENCH_SMOKE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (exitCode) => resolve({ code: exitCode, output, stdout }));
  });
  // Its redis-servers ran in its work dir, its servers were given configs from there: none may be left, nor the dir.
  expectWorkDirCleared(output);

  expect(code, output).toBe(0);
  expect(stdout).toMatch(/^npm run bench · \d{4}-\d\d-\d\d \d\d:\d\d UTC · \d+ × .+ · Node v/m); // the machine and the date
  const table = new Map(
    stdout
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| |'))
      .map((line) => line.split('|').map((c) => c.trim()))
      .map((cells) => [`${cells[1]}|${cells[2]}`, { value: cells[3]!, errors: cells[6]! }]),
  );
  for (const [section, name] of rows) {
    const row = table.get(`${section}|${name}`);
    expect(row, `${section} / ${name} in:\n${stdout}`).toBeDefined();
    expect(row!.value, `${name}: a number`).toMatch(/^<? ?\d+(\.\d+)? /);
    expect(row!.errors, `${name}: errors`).toBe('0');
  }
  expect(table.size, stdout).toBe(rows.length);
  // Ingest and delivery run in rounds (two in smoke mode): every round's rate is reported, for the delivery gateway
  // with its own pair's ratio.
  expect(stdout).toMatch(/\| gateway ingest \(AOF always, default\)[^\n]*median of 2 rounds: \d+ \/ \d+ req\/s/);
  expect(stdout).toMatch(/\| bare: BullMQ worker[^\n]*median of 2 rounds of \d+ messages: \d+ \/ \d+ msg\/s/);
  expect(stdout).toMatch(/\| gateway workers[^\n]*median of 2 rounds of \d+ messages: \d+ \(\d+\.\d\d\) \/ \d+ \(\d+\.\d\d\) msg\/s/);
  // The floors (the bare stack plus the one check or write no design can skip) are measured against the bare rows, and
  // the gateway against them as well, each round's own pair.
  expect(stdout).toMatch(/\| floor: bare route \+ CMS verify \(AOF always\) [^\n]*\| 0 \| \d+\.\d\d of bare \|/);
  expect(stdout).toMatch(/\| gateway ingest \(AOF always, default\)[^\n]*; \d+\.\d\d of the floor with CMS verify \(rounds \d+\.\d\d, \d+\.\d\d\)/);
  expect(stdout).toMatch(/\| floor: bare worker \+ one durable write[^\n]*\| 0 \| \d+\.\d\d \|/);
  expect(stdout).toMatch(/\| gateway workers[^\n]*; \d+\.\d\d of the floor with a durable write \(rounds \d+\.\d\d, \d+\.\d\d\)/);
  // Each drain starts from a rewritten AOF (tiny drains never make another due), so both rows say what a message appended.
  for (const row of ['bare: BullMQ worker', 'gateway workers']) expect(stdout).toMatch(new RegExp(`\\| ${row}[^\\n]*; \\d+\\.\\d kB appended to the AOF per message, machine CPU`));
}, 600_000);
