import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { X509Certificate, randomBytes } from 'node:crypto';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { PortalSimulator, ProvincialSimulator, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let portal: PortalSimulator;
let provincial: ProvincialSimulator;

beforeAll(async () => {
  portal = await PortalSimulator.start();
  provincial = await ProvincialSimulator.start();
});
afterAll(async () => {
  await portal?.close();
  await provincial?.close();
});

const prefix = `sub${process.pid}`;
/** A gateway polling the portal's feed every 100 ms, on one Redis prefix across restarts. */
const startPolling = () =>
  startTestGateway({ portal, provincialUrl: provincial.url, prefix, overrides: { submissions: { source: 'national-portal', pollIntervalMs: 100, batchSize: 3 } } });

async function fileOnlineItems(count: number, badHash = false, at = portal): Promise<{ added: string[]; items: unknown[] }> {
  const res = await request(`${at.url}/_sim/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count, badHash }) });
  return (await res.body.json()) as { added: string[]; items: unknown[] };
}
const fileOnline = async (count: number, badHash = false, at = portal) => (await fileOnlineItems(count, badHash, at)).added;

const submittedCodes = async (at = provincial) => (await at.received()).effects.filter((e) => e.event.type === 'dossier.submitted.v1').map((e) => e.event.dossierCode);
const receipts = async (at = portal) => (await at.received()).effects.filter((e) => e.service === 'XacNhanNhanHoSo').map((e) => (e.payload.data as Array<Record<string, string>>)[0]!);

describe('online submissions from the national portal', () => {
  let t: TestGateway;

  it('hands each dossier to the province once, checks attachment hashes, and sends the portal a receipt', async () => {
    t = await startPolling();
    const filed = await fileOnline(7);
    const codes = await until('seven dossiers at the province', () => submittedCodes(), (c) => c.length >= 7);
    expect(codes).toEqual(filed);
    const first = (await provincial.received()).effects.find((e) => e.event.dossierCode === filed[0])!.event;
    expect(first.data).toMatchObject({ procedureCode: '1.001612.000.00.00.H22', attachments: [{ name: 'don-de-nghi.pdf', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    const portalReceipts = await until('seven receipts at the portal', () => receipts(), (r) => r.length >= 7);
    expect(portalReceipts.map((r) => [r.MaHoSo, r.TrangThaiNhan])).toEqual(filed.map((code) => [code, 'DA_NHAN']));
    expect(await t.gateway.submissionPoller!.cursor()).toBe('7');
  });

  it('refuses a dossier whose attachment does not match its stated hash, tells the portal why, and goes on', async () => {
    const [bad] = await fileOnline(1, true);
    const [good] = await fileOnline(1);
    await until('the good dossier filed after the bad one to reach the province', () => submittedCodes(), (c) => c.includes(good!));
    const refused = (await until('the portal to hear the bad dossier was refused', () => receipts(), (r) => r.some((x) => x.MaHoSo === bad))).find((r) => r.MaHoSo === bad)!;
    expect(refused).toMatchObject({ TrangThaiNhan: 'TU_CHOI', LyDo: 'ATTACHMENT_HASH_MISMATCH: don-de-nghi.pdf' });
    await t.drain(); // the dossier after it was handed on and every queue is empty: the bad one, had it been queued, is there too
    expect(await submittedCodes()).not.toContain(bad);
  });

  it('resumes from its persisted cursor after a restart: nothing missed, nothing handed on twice', async () => {
    await t.close();
    const whileDown = await fileOnline(5);
    t = await startPolling();
    await until('the dossiers filed while the gateway was down to reach the province', () => submittedCodes(), (c) => whileDown.every((code) => c.includes(code)));
    // Two more complete polls, then every queue empty: anything read twice would have been handed on by now.
    const poller = t.gateway.submissionPoller!;
    const polls = poller.completedPolls;
    await until('two more complete polls of the feed', async () => poller.completedPolls, (n) => n >= polls + 2);
    await t.drain();
    const codes = await submittedCodes();
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(7 + 1 + 5);
    expect(await t.gateway.submissionPoller!.cursor()).toBe('14');
    await t.close();
  });

  it('accepts the portal\'s signed push, and the poll that reads the same dossiers later adds nothing', async () => {
    const pki = createTestPki('Cổng Dịch vụ công quốc gia');
    t = await startTestGateway({
      portal,
      pki,
      provincialUrl: provincial.url,
      prefix,
      overrides: { submissions: { source: 'national-portal', pollIntervalMs: 60_000, batchSize: 3, push: { certificates: [{ fingerprint256: new X509Certificate(pki.signer.certificatePem).fingerprint256 }] } } },
    });
    const { added, items } = await fileOnlineItems(2);
    const body = Buffer.from(JSON.stringify({ items }));
    const push = (signature: string) => request(`${t.url}/v1/submissions/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
    const unsigned = await push(signCms(Buffer.from('other'), pki.defaultSigner));
    expect(unsigned.statusCode).toBe(422);
    await unsigned.body.dump();
    const pushed = await push(signCms(body, pki.defaultSigner));
    expect(pushed.statusCode).toBe(202);
    expect(await pushed.body.json()).toEqual({ accepted: 2, rejected: 0 });
    await until('the pushed dossiers to reach the province', () => submittedCodes(), (c) => added.every((code) => c.includes(code)));
    expect(await t.gateway.submissionPoller!.pollOnce()).toEqual({ accepted: 2, rejected: 0 }); // read again from the feed …
    await t.drain(); // … and whatever that poll queued has been delivered
    const codes = await submittedCodes(); // … but handed on once
    expect(codes.filter((c) => added.includes(c))).toEqual(added);
    const logs = t.logs.join('');
    for (const pii of ['Hoàng Văn Nam', '001090012345', '0987654321']) expect(logs).not.toContain(pii);
    await t.close();
  });
});

describe('a poll that fails half-way through a dossier, then a restart', () => {
  // Which copy of the second dossier Redis refuses to queue: the province's (nothing of it is queued yet), or the
  // portal's receipt (its copy for the province is already queued: what a process killed between the publishes leaves).
  it.each([
    ['provincial-system', "the province's copy"],
    ['national-portal', "the portal's receipt, after the province's copy was queued"],
  ])('hands the dossier on after the restart when %s refuses it (%s): at the province once, receipted once', async (refusing) => {
    // A feed and a province of their own: the earlier tests' dossiers are not read again, and what arrives is counted afresh.
    const feed = await PortalSimulator.start();
    const province = await ProvincialSimulator.start();
    const ownPrefix = `subfail${randomBytes(4).toString('hex')}`;
    const start = () =>
      startTestGateway({ portal: feed, provincialUrl: province.url, prefix: ownPrefix, overrides: { submissions: { source: 'national-portal', pollIntervalMs: 100, batchSize: 3 } } });
    const gateways: TestGateway[] = [];
    try {
      const first = await start();
      gateways.push(first);
      const queue = first.gateway.queues.get(refusing);
      const add = queue.add.bind(queue);
      const seen: string[] = [];
      let refused = 0;
      vi.spyOn(queue, 'add').mockImplementation(async (name, data, opts) => {
        const code = (data as { dossierCode: string }).dossierCode;
        if (!seen.includes(code)) seen.push(code);
        if (code === seen[1]) {
          refused += 1;
          throw new Error('Connection is closed (injected: Redis went away in the middle of this dossier)');
        }
        return add(name, data, opts);
      });
      const filed = await fileOnline(3, false, feed);
      const poller = first.gateway.submissionPoller!;
      // The poller had its chance to get past the dossier: it came back to it in a later round, or it finished a poll.
      await until('the poller to come back to the refused dossier, or to finish a poll past it', async () => ({ refused, completedPolls: poller.completedPolls }), (p) => p.refused >= 2 || p.completedPolls > 0);
      expect(seen[1]).toBe(filed[1]);
      await first.close(); // the process is gone with the second dossier half-published at most
      gateways.pop();
      vi.restoreAllMocks();

      const second = await start();
      gateways.push(second);
      await until('a receipt for every dossier at the portal', () => receipts(feed), (r) => filed.every((code) => r.some((x) => x.MaHoSo === code)));
      await until('every dossier at the province', () => submittedCodes(province), (c) => filed.every((code) => c.includes(code)));
      const polls = second.gateway.submissionPoller!.completedPolls;
      await until('one more complete poll of the feed', async () => second.gateway.submissionPoller!.completedPolls, (n) => n > polls);
      await second.drain();
      // At least once to the province, and once in effect: a copy queued before the failure and queued again after the
      // restart is the same message (stable id), which the province applies once.
      expect([...(await submittedCodes(province))].sort()).toEqual([...filed].sort());
      expect((await receipts(feed)).map((r) => [r.MaHoSo, r.TrangThaiNhan]).sort()).toEqual(filed.map((code) => [code, 'DA_NHAN']).sort());
    } finally {
      vi.restoreAllMocks();
      for (const g of gateways) await g.close().catch(() => {});
      await feed.close();
      await province.close();
    }
  });
});
