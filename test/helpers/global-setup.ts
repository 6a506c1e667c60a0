import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedRedis, RedisServerMissingError, redisServerAvailable } from '../../src/redis/embedded-redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server for the whole run, on a free port with its own temp dir; never a mock. */
export default async function setup(project: TestProject) {
  if (!redisServerAvailable()) throw new RedisServerMissingError();
  const dir = mkdtempSync(join(tmpdir(), 'gw-test-redis-'));
  const redis = new EmbeddedRedis({ dir, port: 0, appendfsync: 'everysec' });
  project.provide('redisUrl', await redis.start());
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
