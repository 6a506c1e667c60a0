import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedRedis, RedisServerMissingError, redisServerAvailable } from '../../src/redis/embedded-redis.ts';
import { reapProcessesUsing } from './leftover-processes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * One real redis-server for the whole run, on a free port with its own temp dir; never a mock.
 *
 * Every temp dir the run makes (test PKIs, configs, sandboxes, the processes' and redis-servers' dirs) is made under
 * one dir of the run, removed when the run ends: TMPDIR is set before the test workers start, and they and every
 * process they spawn inherit it (os.tmpdir() reads it). Tests that remove what they made still do; the others no
 * longer leave their dirs behind on a developer's machine (a few hundred a run, before).
 */
export default async function setup(project: TestProject) {
  if (!redisServerAvailable()) throw new RedisServerMissingError();
  const runDir = mkdtempSync(join(tmpdir(), 'gw-test-run-'));
  process.env.TMPDIR = runDir;
  const dir = mkdtempSync(join(runDir, 'redis-'));
  const redis = new EmbeddedRedis({ dir, port: 0, appendfsync: 'everysec' });
  project.provide('redisUrl', await redis.start());
  return async () => {
    await redis.stop();
    // A test stopped by its timeout never reaches its own finally: what it started (the redis-servers of a cluster it
    // made itself) would outlive the run, one of them perhaps still SIGSTOPped. They are killed here, and named: the
    // servers and processes working in a dir of the run or naming one. Not by TMPDIR, which vitest's own workers
    // inherit too.
    const left = reapProcessesUsing(realpathSync(runDir), { byTmpdir: false }); // /proc/<pid>/cwd is the real path
    if (left.length) process.stderr.write(`global teardown: killed ${left.length} process(es) a test left running in ${runDir}: ${left.join(', ')}\n`);
    rmSync(runDir, { recursive: true, force: true });
  };
}
