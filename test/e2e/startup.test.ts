import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';
import { EmbeddedRedis, freePort } from '../../src/redis/embedded-redis.ts';
import { GatewayProcess } from '../../chaos/gateway-process.ts';

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

/** A scratch place for one start: its config file, the sandbox's files and the embedded Redis's data. */
function scratch(config: (dir: string) => Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-startup-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config(dir)));
  return { dir, file, sandboxInfo: join(dir, 'sandbox', 'sandbox.json') };
}

/** `npm start` (tsx src/main.ts) to its end: exit code and both streams. */
function npmStart(configFile: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, REDIS_URL: '', LOG_LEVEL: 'info', ...env, GATEWAY_CONFIG: configFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const answers = async (url: string) => {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
};

describe('a start that cannot succeed', () => {
  it('with REDIS_URL at a dead port: one line naming the URL (password left out), exit 1, no "Unhandled error event"', async () => {
    const port = await freePort(); // nothing listens there
    const { file, sandboxInfo } = scratch((dir) => ({ http: { port: 0 }, redis: { startupTimeoutMs: 1000 }, sandbox: { dir: join(dir, 'sandbox') } }));
    const { code, stdout, stderr } = await npmStart(file, { REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}` });
    expect(code, stderr).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `gateway: cannot reach Redis at redis://127.0.0.1:${port} within 1 s (connect ECONNREFUSED 127.0.0.1:${port}). Fix: start Redis there, or correct REDIS_URL (/redis/url), /redis/sentinel or /redis/cluster; with none, npm start runs its own redis-server.`,
    ]);
    expect(`${stdout}${stderr}`).not.toMatch(/Unhandled error event|s3cret-pass|redis \(producer\) error/);
    expect(existsSync(sandboxInfo)).toBe(false); // never listened: nothing tells a sample where to go
  }, 60_000);

  it('with a configured file missing: a ConfigError naming each key, no stack trace, nothing started', async () => {
    const { dir, file } = scratch((d) => ({
      http: { port: 0 },
      redis: { embedded: { port: 0, dir: join(d, 'redis') } },
      sandbox: { dir: join(d, 'sandbox') },
      signing: { certificate: join(d, 'missing/gateway.pem'), privateKey: 'config/default.json', chain: [join(d, 'missing/ca.pem')] },
      trust: { directories: ['config/trust', join(d, 'no-trust')], crl: { directories: [join(d, 'no-crl')] } },
    }));
    const { code, stdout, stderr } = await npmStart(file);
    expect(code, stderr).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'gateway: invalid gateway configuration:',
      `  - /trust/directories/1: directory not found: ${join(dir, 'no-trust')}`,
      `  - /trust/crl/directories/0: directory not found: ${join(dir, 'no-crl')}`,
      `  - /signing/certificate: file not found: ${join(dir, 'missing/gateway.pem')}`,
      `  - /signing/privateKey: not a PEM private key: ${join(projectRoot, 'config/default.json')}`,
      `  - /signing/chain/0: file not found: ${join(dir, 'missing/ca.pem')}`,
    ]);
    expect(stdout).not.toContain('embedded redis-server started');
    expect(existsSync(join(dir, 'redis'))).toBe(false);
    expect(existsSync(join(dir, 'sandbox'))).toBe(false);
  }, 60_000);

  it('failing after its embedded redis-server started (the HTTP port taken): stops it, keeps sandbox.json; the next start writes it once listening', async () => {
    const taken: Server = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    const port = (taken.address() as { port: number }).port;
    const config = (dir: string, httpPort: number) => ({ http: { port: httpPort }, redis: { embedded: { port: 0, dir: join(dir, 'redis') } }, sandbox: { dir: join(dir, 'sandbox') } });
    const { dir, file, sandboxInfo } = scratch((d) => config(d, port));
    const previous = '{"gatewayUrl":"http://127.0.0.1:1","note":"from the run before"}';
    mkdirSync(join(dir, 'sandbox'), { recursive: true });
    writeFileSync(sandboxInfo, previous);
    try {
      const { code, stdout, stderr } = await npmStart(file);
      expect(code, stderr).toBe(1);
      expect(stderr.trim().split('\n')).toEqual(['gateway: invalid gateway configuration:', `  - /http/port: 127.0.0.1:${port} is already in use`]);
      // It did start its redis-server (its own log line says where), and that one is gone now.
      const embeddedUrl = /"url":"(redis:\/\/127\.0\.0\.1:\d+)".*embedded redis-server started/.exec(stdout)?.[1];
      expect(embeddedUrl, stdout).toBeDefined();
      expect(await answers(embeddedUrl!)).toBe(false);
      expect(readFileSync(sandboxInfo, 'utf8')).toBe(previous);
    } finally {
      taken.close();
    }

    // The same sandbox on a free port: sandbox.json now names where the gateway listens, and it answers there.
    writeFileSync(file, JSON.stringify(config(dir, 0)));
    const gateway = GatewayProcess.start(JSON.parse(readFileSync(file, 'utf8')), { REDIS_URL: '' });
    try {
      await gateway.waitForOutput(/listening on (http:\/\/\S+)/, 30_000);
      const url = /listening on (http:\/\/\S+)/.exec(gateway.output)![1]!;
      expect(JSON.parse(readFileSync(sandboxInfo, 'utf8')).gatewayUrl).toBe(url);
      expect((await request(`${url}/health/live`)).statusCode).toBe(200);
      const embeddedUrl = /"url":"(redis:\/\/127\.0\.0\.1:\d+)".*embedded redis-server started/.exec(gateway.output)![1]!;
      await gateway.kill('SIGTERM');
      expect(await answers(embeddedUrl)).toBe(false); // stopped with the gateway
    } finally {
      await gateway.kill('SIGKILL');
    }
  }, 90_000);
});

it('an embedded redis-server whose port is taken by another Redis fails with its reason, never using that other one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-startup-redis-'));
  const first = new EmbeddedRedis({ dir: join(dir, 'a'), port: 0, appendfsync: 'everysec' });
  await first.start();
  try {
    const second = new EmbeddedRedis({ dir: join(dir, 'b'), port: first.port, appendfsync: 'everysec' });
    await expect(second.start()).rejects.toThrow(`the embedded redis-server did not start on port ${first.port} (/redis/embedded/port): Warning: Could not create server TCP listening socket 127.0.0.1:${first.port}: bind: Address already in use`);
    expect(await answers(first.url)).toBe(true);
  } finally {
    await first.stop();
  }
});

it('an embedded redis-server whose port is held by something that accepts and never answers fails with its reason, not hanging', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-startup-redis-'));
  const accepted: Socket[] = [];
  const silent = createServer((socket) => void accepted.push(socket));
  const port = await new Promise<number>((done) => silent.listen(0, '127.0.0.1', () => done((silent.address() as { port: number }).port)));
  try {
    const redis = new EmbeddedRedis({ dir, port, appendfsync: 'everysec' });
    await expect(redis.start()).rejects.toThrow(`the embedded redis-server did not start on port ${port} (/redis/embedded/port): Warning: Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`);
  } finally {
    for (const socket of accepted) socket.destroy();
    silent.close();
  }
}, 20_000);
