import { expect, it } from 'vitest';
import { expectWorkDirCleared } from '../helpers/leftover-processes.ts';
import { runScript } from '../helpers/run-script.ts';

/**
 * `npm run bench:redis` with a few messages, so the script README's "What Redis holds" table comes from cannot rot
 * unnoticed: every key family a delivered status update leaves is measured (a family missing, or a key of a new
 * kind counted as "other", shows here), the archive takes the message log's records out of Redis, and the script
 * stops the redis-server it started. The byte counts themselves are the script's to report, not this test's.
 */
const families = [
  'delivered job (envelope, result)',
  'job attempt history',
  'completed set entry',
  'dedupe key',
  'idempotency body digest',
  'signature memory',
  'message log records',
  'message log index',
  'dossier timeline',
  'per-dossier ordering',
  'portal: calls done per message',
  'portal: dossiers synced',
];

it('npm run bench:redis measures every key family a message leaves, and stops what it started', async () => {
  const messages = 30;
  const { code, output } = await runScript('bench/redis-footprint.ts', [], { env: { FOOTPRINT_MESSAGES: String(messages) }, timeoutMs: 180_000 });
  expectWorkDirCleared(output); // first: a run killed at its timeout must not leave its redis-server to the next tests

  expect(code, output).toBe(0);
  expect(output).toContain(`Redis footprint of ${messages} accepted and delivered status updates`);
  // "<what>  <bytes a message>  <after archive>  <how long it lives>", columns padded with spaces.
  const rows = new Map(
    [...output.matchAll(/^(.+?)\s{2,}(-?\d+)\s+(-?\d+)\s*(.*)$/gm)].map((m) => [m[1]!.trim(), { bytes: Number(m[2]), archived: Number(m[3]), lives: m[4]!.trim() }]),
  );
  for (const family of families) {
    const row = rows.get(family);
    expect(row, `${family} in:\n${output}`).toBeDefined();
    expect(row!.bytes, `${family}: bytes a message`).toBeGreaterThan(0);
    expect(row!.lives, `${family}: how long it lives`).not.toBe('');
  }
  // Archiving moves the log's records and their index to segment files: nothing of them stays in Redis.
  expect(rows.get('message log records')!.archived).toBe(0);
  expect(rows.get('message log index')!.archived).toBe(0);
  expect(rows.get('delivered job (envelope, result)')!.archived).toBe(rows.get('delivered job (envelope, result)')!.bytes);
  // Every key of a message has a family. Left as "other" are a few fixed keys (circuits, rate limit, trust): a few bytes
  // a message at most, where one small key more per message would be 50 or more.
  expect(rows.get('other')?.bytes ?? 0, output).toBeLessThan(20);
}, 200_000);

it('npm run bench:redis refuses a message count that is not a whole number, naming the variable', async () => {
  const { code, output } = await runScript('bench/redis-footprint.ts', [], { env: { FOOTPRINT_MESSAGES: '2k' }, timeoutMs: 20_000 });
  expect(code).toBe(2);
  expect(output).toContain('FOOTPRINT_MESSAGES must be a whole number');
  expect(output).not.toContain('work dir'); // refused before anything was started
});
