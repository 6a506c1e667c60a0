import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MessageLog, hashOf } from '../../src/audit/message-log.ts';
import { verifyMessageLog } from '../../src/audit/message-log-reader.ts';
import { projectRoot } from '../../src/gateway.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { adminCall, adminConfig, adminTokens, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
let redis: Redis;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig, messageLog: { sealIntervalMs: 50 } } });
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  redis.disconnect();
  await t.close();
});

const verify = async () => (await adminCall(t, adminTokens.viewer, 'GET', '/message-log/verify')).body;
const recordsKey = () => `${t.config.redis.prefix}:msglog:records`;
const gatewayctl = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['bin/gatewayctl.mjs', ...args], { cwd: projectRoot, env: { ...process.env, GATEWAY_URL: t.url, GATEWAY_ADMIN_TOKEN: adminTokens.viewer } }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (err: { code: number; stderr: string }) => ({ code: err.code, out: err.stderr }),
  );

describe('the message log', () => {
  it('chains every inbound and outbound message, refusals included, with personal data only as HMACs', async () => {
    const docs = [statusUpdate(), statusUpdate(), statusUpdate()];
    const sent = await Promise.all(docs.map((doc) => t.send({ doc })));
    await Promise.all(sent.map((r) => t.waitForState(r.body.messageId, ['delivered'])));
    const refusedDoc = statusUpdate();
    await t.send({ doc: { ...refusedDoc, status: 9 }, signature: signCms(Buffer.from(JSON.stringify(refusedDoc)), t.pki.defaultSigner) });

    await expect.poll(async () => (await verify()).records, { timeout: 10_000 }).toBe(7);
    expect(await verify()).toMatchObject({ ok: true, firstSeq: 1, lastSeq: 7 });

    const lines = (await gatewayctl('log', 'export')).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.direction}:${l.outcome}`).sort()).toEqual(
      ['inbound:queued', 'inbound:queued', 'inbound:queued', 'inbound:SIGNATURE_INVALID', 'outbound:delivered', 'outbound:delivered', 'outbound:delivered'].sort(),
    );
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain('079188004321');
    expect(text).not.toContain('Trần Thị Bích Ngọc');
    const [inbound, otherInbound] = sent.slice(0, 2).map((r) => lines.find((l) => l.direction === 'inbound' && l.messageId === r.body.messageId));
    const outbound = lines.find((l) => l.direction === 'outbound' && l.messageId === sent[0]!.body.messageId);
    expect(inbound.body.applicant).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(otherInbound.body.applicant).toBe(inbound.body.applicant); // same person, same pseudonym
    // The body is logged once, inbound; the outcome names it by digest.
    expect(outbound).not.toHaveProperty('body');
    expect(outbound.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(outbound.bodySha256).toBe(inbound.bodySha256);
    expect((await gatewayctl('log', 'verify')).out).toBe('message log intact: 7 records (seq 1-7)\n');
  });

  it('detects an edited record and a removed one', async () => {
    const original = (await redis.hget(recordsKey(), '2'))!;
    await redis.hset(recordsKey(), '2', original.replace(/"outcome":"\w+"/, '"outcome":"dead"'));
    expect(await verify()).toMatchObject({ ok: false, records: 1, broken: { seq: 2, problem: 'altered', redisKey: `${recordsKey()} 2` } });
    const cli = await gatewayctl('log', 'verify');
    expect(cli).toEqual({ code: 1, out: `gatewayctl: message log BROKEN at seq 2 (Redis ${recordsKey()} 2): record altered: its hash does not match its content (1 records verified before it)\n` });

    await redis.hset(recordsKey(), '2', original);
    expect((await verify()).ok).toBe(true);
    await redis.hdel(recordsKey(), '5');
    expect(await verify()).toMatchObject({ ok: false, broken: { seq: 5, problem: 'missing', redisKey: `${recordsKey()} 5` } });
  });
});

it('an edited record whose next record is re-linked to it is still found (the hash covers prevHash)', async () => {
  const prefix = `relink${Date.now()}`;
  const log = new MessageLog(redis, prefix, 'a-salt-of-sixteen-chars');
  for (let i = 0; i < 4; i++) await log.append({ direction: 'inbound', messageId: `m-${i}`, type: 'dossier.status.v1', outcome: 'queued' });
  await log.seal();
  expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 4 });

  // What someone with write access to Redis but no key can do: edit record 2, give it the hash of its new content,
  // and point record 3 at that hash, leaving record 3's own hash as it was.
  const key = `${prefix}:msglog:records`;
  const { hash: _old, ...edited } = { ...JSON.parse((await redis.hget(key, '2'))!), outcome: 'dead' };
  const editedHash = hashOf(edited);
  await redis.hset(key, '2', JSON.stringify({ ...edited, hash: editedHash }));
  const next = JSON.parse((await redis.hget(key, '3'))!);
  await redis.hset(key, '3', JSON.stringify({ ...next, prevHash: editedHash }));

  expect(await verifyMessageLog(log)).toMatchObject({ ok: false, records: 2, broken: { seq: 3, problem: 'altered' } });
});

it('a pending line that is not an entry (cut off, with a hash of its own, not an object) is sealed by its digest, and the lines after it still are', async () => {
  const prefix = `unreadable${Date.now()}`;
  const log = new MessageLog(redis, prefix, 'a-salt-of-sixteen-chars');
  await log.append({ direction: 'inbound', messageId: 'm-1', type: 'dossier.status.v1', outcome: 'queued' });
  await redis.rpush(log.keys.pending, '{"at":"cut off');
  await log.append({ direction: 'inbound', messageId: 'm-3', type: 'dossier.status.v1', outcome: 'queued' });
  // Lines that read as JSON but not as an entry: one with a hash of its own (sealed as it is, the record's hash would
  // overwrite it and verification call the record altered), and an array.
  const withHash = '{"at":"2026-11-24T00:00:00.000Z","direction":"inbound","messageId":"m-4","type":"x","outcome":"queued","hash":"forged"}';
  await redis.rpush(log.keys.pending, withHash, '["not","an","entry"]');
  expect(await log.seal()).toBe(5);
  const records = (await redis.hmget(log.keys.records, '1', '2', '3', '4', '5')).map((r) => JSON.parse(r!) as Record<string, unknown>);
  expect(records.map((r) => [r.messageId, r.outcome])).toEqual([['m-1', 'queued'], [undefined, 'UNREADABLE_ENTRY'], ['m-3', 'queued'], [undefined, 'UNREADABLE_ENTRY'], [undefined, 'UNREADABLE_ENTRY']]);
  expect(records[1]!.bodySha256).toBe(createHash('sha256').update('{"at":"cut off').digest('hex'));
  expect(records[3]!.bodySha256).toBe(createHash('sha256').update(withHash).digest('hex'));
  // The stored text is exactly the record serialised with its hash last.
  const stored = await redis.hget(log.keys.records, '3');
  const { hash: storedHash, ...unsealed } = records[2]!;
  expect(stored).toBe(JSON.stringify({ ...unsealed, hash: storedHash }));
  expect(storedHash).toBe(createHash('sha256').update(JSON.stringify(unsealed)).digest('hex'));
  expect(await verifyMessageLog(log)).toMatchObject({ ok: true, records: 5 });
});

it('a sealer that outlived its lock commits nothing: entries appended meanwhile are sealed once, after the other sealer', async () => {
  const prefix = `fenced${Date.now()}`;
  const entry = (n: number) => ({ direction: 'inbound' as const, messageId: `m-${n}`, type: 'dossier.status.v1', outcome: 'queued' });
  const other = new MessageLog(redis, prefix, 'a-salt-of-sixteen-chars');
  // The slow sealer reads the pending entries and the head; then, as if it froze past its lock's 30 s, the lock is
  // gone, another sealer commits those entries, and two more arrive before the slow one commits what it sealed.
  const slowRedis = new Proxy(redis, {
    get(target, prop) {
      if (prop === 'hgetall') {
        return async (key: string) => {
          const head = await target.hgetall(key);
          await target.del(other.keys.lock);
          expect(await other.seal()).toBe(3);
          for (const n of [4, 5]) await other.append(entry(n));
          return head;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const slow = new MessageLog(slowRedis as Redis, prefix, 'a-salt-of-sixteen-chars');
  for (const n of [1, 2, 3]) await other.append(entry(n));

  expect(await slow.seal()).toBe(0);
  expect(await redis.llen(other.keys.pending)).toBe(2); // m-4 and m-5 still wait (trimming 3 would have lost them)
  expect(await other.seal()).toBe(2);
  const records = Object.entries(await redis.hgetall(other.keys.records)).map(([seq, text]) => [Number(seq), (JSON.parse(text) as { messageId: string }).messageId]);
  expect(records.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([1, 2, 3, 4, 5].map((n) => [n, `m-${n}`]));
  expect(await verifyMessageLog(other)).toMatchObject({ ok: true, records: 5 });
});
