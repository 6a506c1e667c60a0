import { expect, it } from 'vitest';
import { expectWorkDirCleared } from '../helpers/leftover-processes.ts';
import { runScript } from '../helpers/run-script.ts';

/**
 * `npm run chaos -- --smoke`: 2 api + 3 worker processes on one Redis, each fault struck under load (kill -9 of a
 * worker twice, of an api, of Redis; a portal outage; a portal slower than the timeout), and on a Sentinel-watched
 * primary and replica, kill -9 of the primary (a failover) with minReplicasAcked 1. Every scenario must end with
 * everything acknowledged, nothing lost or dead, nothing applied out of order, and the script must exit 0 having
 * stopped what it started. Duplicate effects are printed, not judged here: the portal's protocol has no idempotency
 * key, so an answer lost with its worker can re-apply the same progress record (README, "Chaos").
 */
it('npm run chaos -- --smoke: every scenario passes the loss and ordering checks with many processes', async () => {
  const { code, output } = await runScript('chaos/run.ts', ['--smoke']);
  expectWorkDirCleared(output);
  expect(code, output).toBe(0);
  const rows = output.split('\n').filter((line) => /^\| (kill|portal|slow)/.test(line));
  expect(rows, output).toHaveLength(6);
  for (const row of rows) {
    const [scenario, sent, acknowledged, delivered, superseded, dead, lost, , orderingViolations] = row.split('|').slice(1, -1).map((c) => c.trim());
    expect(Number(sent), scenario).toBeGreaterThan(0);
    expect(Number(acknowledged), scenario).toBe(Number(sent));
    expect(Number(delivered) + Number(superseded), scenario).toBe(Number(acknowledged));
    expect([dead, lost, orderingViolations], scenario).toEqual(['0', '0', '0']);
  }
  expect(output).toMatch(/^\d{4}-\d{2}-\d{2}, \d+ × .*, Node v\d+/m);
}, 300_000);
