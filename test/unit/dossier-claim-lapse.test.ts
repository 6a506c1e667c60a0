import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, inject, it } from 'vitest';
import type { RedisConfig } from '../../src/config/types.ts';
import { DirectTransport } from '../../src/connectors/transport/direct-transport.ts';
import { DossierOrdering } from '../../src/delivery/dossier-ordering.ts';
import { createWorkerConnection } from '../../src/redis/connections.ts';
import { until } from '../helpers/until.ts';

const lockMs = 300;
const callWindowMs = 2000;
const observer = createWorkerConnection({ url: inject('redisUrl') } as RedisConfig);
afterAll(() => observer.disconnect());

it('a claim Redis stops renewing lapses after a lock period, while its lock still outlives any call started before', async () => {
  const prefix = `lapse${randomBytes(4).toString('hex')}`;
  const worker = createWorkerConnection({ url: inject('redisUrl') } as RedisConfig);
  const ordering = new DossierOrdering(worker, prefix, lockMs, 60_000);
  const lockKey = `${prefix}:dossier:{national-portal:HS-1}:lock`;
  const claimedSince = Date.now();
  expect(await ordering.claim('national-portal', 'HS-1', 'job-1', 1_000, callWindowMs)).toMatchObject({ kind: 'claimed' });
  expect(await observer.pttl(lockKey)).toBeGreaterThan(callWindowMs); // a lock period plus the call window
  const kept = ordering.keepAlive('national-portal', 'HS-1', 'job-1', claimedSince, callWindowMs, () => {});
  try {
    await new Promise((resolve) => setTimeout(resolve, 3 * lockMs)); // renewed meanwhile: still fresh
    expect(kept.fresh.aborted).toBe(false);
    worker.disconnect(); // Redis unreachable from the worker: no renewal is confirmed from here on
    await until('the claim to lapse', async () => kept.fresh.aborted, Boolean);
    // A call started just before the lapse ends within the call window; the lock is still held that long.
    expect(await observer.pttl(lockKey)).toBeGreaterThan(callWindowMs - lockMs);
    expect(String(kept.fresh.reason)).toMatch(/no call may start/);
  } finally {
    kept.stop();
    worker.disconnect();
  }
});

it('a transport sends nothing under a lapsed claim', async () => {
  let received = 0;
  const receiver = createServer((req, res) => {
    received += 1;
    req.resume().on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const transport = new DirectTransport(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, 1);
  const lapsed = new AbortController();
  lapsed.abort(new Error('claim lapsed'));
  try {
    await expect(transport.call({ operation: 'events', path: '/events', body: '{}', timeoutMs: 1000, notAfter: lapsed.signal })).rejects.toThrow('claim lapsed');
    expect(received).toBe(0);
    expect((await transport.call({ operation: 'events', path: '/events', body: '{}', timeoutMs: 1000, notAfter: new AbortController().signal })).statusCode).toBe(200);
    expect(received).toBe(1);
  } finally {
    await transport.close();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
