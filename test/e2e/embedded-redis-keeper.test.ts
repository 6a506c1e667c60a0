import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { keepEmbeddedRedisUp } from '../../src/redis/embedded-redis-keeper.ts';
import { runSample, startSandboxGateway } from '../helpers/run-script.ts';

/**
 * `npm start`'s embedded redis-server, killed from outside (the OOM killer, a stray kill -9): the keeper starts it
 * again on the same port and data directory, what was acknowledged is there, and clients find it by themselves.
 * Real redis-server processes throughout.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startKept(delaysMs: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-keeper-'));
  const redis = new EmbeddedRedis({ dir, port: 0, appendfsync: 'always' });
  await redis.start();
  const lines: Array<{ msg: string; reason?: string; err?: string; attempt?: number; url?: string }> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }, 'json');
  const keeper = keepEmbeddedRedisUp(redis, logger, delaysMs);
  const client = new Redis(redis.port, '127.0.0.1', { retryStrategy: () => 50 });
  client.on('error', () => {}); // refused while the server is down: it reconnects by itself
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => redis.stop(), () => keeper.stop(), () => client.disconnect());
  return { redis, keeper, client, lines };
}

async function until<T>(what: string, read: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a redis-server killed -9 from outside is started again on its port, with what it had acknowledged', async () => {
  const { redis, client, lines } = await startKept([50]);
  const port = redis.port;
  await client.set('acknowledged', 'kept'); // answered after its fsync (appendfsync always)
  const first = redis.pid!;
  process.kill(first, 'SIGKILL');

  const second = await until('a new redis-server', () => (redis.pid !== undefined && redis.pid !== first ? redis.pid : undefined));
  expect(redis.port).toBe(port);
  expect(await client.get('acknowledged')).toBe('kept'); // the same client, reconnected by itself
  const info = await client.info('server');
  expect(Number(/process_id:(\d+)/.exec(info)?.[1])).toBe(second);
  expect(lines.find((l) => l.msg === 'embedded redis-server exited unexpectedly; restarting it')?.reason).toMatch(/^signal SIGKILL; its last words: /);
  await until('the restart logged', () => lines.find((l) => l.msg === 'embedded redis-server restarted (its AOF replayed)'));
});

it('keeps trying, backing off, while the port is taken, and starts it once the port is free', async () => {
  const { redis, client, lines } = await startKept([100, 200]);
  const port = redis.port;
  await client.set('acknowledged', 'kept');
  // Something else takes the port the moment the server dies (before the keeper's first try, 100 ms later).
  let squatter: Server | undefined;
  const accepted: Socket[] = []; // the client (reconnecting) and the keeper's probes get in, and hear nothing
  redis.onUnexpectedExit(() => {
    squatter = createServer((socket) => void accepted.push(socket)).listen(port, '127.0.0.1');
  });
  process.kill(redis.pid!, 'SIGKILL');

  const failed = await until('two failed restarts', () => {
    const found = lines.filter((l) => l.msg === 'embedded redis-server did not restart; trying again');
    return found.length >= 2 ? found : undefined;
  });
  expect(failed.map((l) => l.attempt)).toEqual([1, 2]);
  expect(failed[0]!.err).toMatch(/Address already in use/);
  await new Promise<void>((done) => {
    squatter!.close(() => done());
    for (const socket of accepted) socket.destroy();
  });

  await until('the restart logged', () => lines.find((l) => l.msg === 'embedded redis-server restarted (its AOF replayed)'));
  expect(redis.port).toBe(port);
  expect(await client.get('acknowledged')).toBe('kept');
});

it('stop() and the keeper stopped: nothing is started again', async () => {
  const { redis, keeper, lines } = await startKept([20]);
  const port = redis.port;
  keeper.stop();
  await redis.stop();
  await new Promise((r) => setTimeout(r, 300));
  expect(redis.pid).toBeUndefined();
  expect(lines.map((l) => l.msg)).toEqual([]);
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  await expect(probe.connect()).rejects.toThrow();
  probe.disconnect();
});

it('a stop() of the server alone (the keeper still on) is asked for, not a crash: not restarted', async () => {
  const { redis, lines } = await startKept([20]);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 300));
  expect(redis.pid).toBeUndefined();
  expect(lines.map((l) => l.msg)).toEqual([]);
});

it('through npm start: its redis-server killed -9, the gateway restarts it and a signed status update is delivered', async () => {
  const { gateway, infoFile } = await startSandboxGateway('keeper');
  cleanups.push(() => gateway.kill('SIGTERM'));
  const url = /"url":"(redis:\/\/127\.0\.0\.1:\d+)".*embedded redis-server started/.exec(gateway.output)![1]!;
  const probe = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);
  probe.disconnect();
  process.kill(pid, 'SIGKILL');

  await gateway.waitForOutput(/embedded redis-server restarted/, 20_000);
  expect(gateway.output).toMatch(/embedded redis-server exited unexpectedly; restarting it/);
  const { code, output } = await runSample(infoFile, 'sample-status', [], 45_000);
  expect(code, output).toBe(0);
  expect(output).toMatch(/→ HTTP 202/);
  expect(output).toMatch(/state: 'delivered'/);
}, 90_000);
