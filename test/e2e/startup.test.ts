import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';

it('without redis-server on the PATH and no REDIS_URL, npm start stops with one line naming the fix', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: '/nonexistent', HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe(
    'gateway: redis-server is not installed. Fix: `sudo apt-get install -y redis-server`, or set REDIS_URL to an existing Redis.',
  );
});

it('with a bad config file, start-up names the bad key', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: 'not-a-port' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('/http/port must be integer');
});
