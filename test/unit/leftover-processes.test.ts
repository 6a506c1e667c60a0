import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { processesUsing, reapProcessesUsing } from '../helpers/leftover-processes.ts';

/**
 * The bench and chaos smoke tests rest on this helper to see what a script left running: it must find a process
 * by the TMPDIR it was started with (a gateway's command line and working dir do not name the work dir), and reap it.
 */
it('finds a process started with the work dir as its TMPDIR, and reaps it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leftover-'));
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { env: { ...process.env, TMPDIR: dir } });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    expect(processesUsing(dir)).toEqual([String(child.pid)]);
    expect(reapProcessesUsing(dir)).toEqual([String(child.pid)]);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processesUsing(dir)).toEqual([]);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
