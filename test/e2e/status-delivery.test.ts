import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayIdentity, portalOptions, startTestGateway, statusUpdate, type MessageView, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.drain();
  await t.portal.reset();
});

/** A v1 message's progress update, as CapNhatTienDoHoSoMC carries it (createSyncDossierStatusBodyRequest). */
const expectedProgress = (doc: Record<string, any>) => ({
  madonvi: portalOptions.madonvi,
  service: 'CapNhatTienDoHoSoMC',
  data: [
    {
      MaHoSo: doc.dossierCode,
      NguoiXuLy: '',
      ChucDanh: '',
      ThoiDiemXuLy: '20261123091500',
      PhongBanXuLy: '',
      NoiDungXuLy: doc.note,
      TrangThai: String(doc.status),
      NgayBatDau: '',
      NgayKetThucTheoQuyDinh: '',
    },
  ],
});

describe('a signed status update', () => {
  it('is accepted with 202 and reaches the portal once: the dossier synced, then its progress', async () => {
    const doc = statusUpdate();
    const res = await t.send({ doc });
    expect(res.statusCode).toBe(202);
    expect(res.body).toEqual({ messageId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued' });

    const view = await t.waitForState(res.body.messageId, ['delivered']);
    expect(view.attempts).toBe(1);
    expect(view.history.map((h) => h.outcome)).toEqual(['delivered']);

    const effects = await t.portal.effectsFor(doc.dossierCode as string);
    expect(effects.map((e) => e.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
    expect(effects[1]!.payload).toEqual(expectedProgress(doc));
    expect(effects[1]!.traceId).toBeTruthy();
    // The simulator verified the gateway's own CMS signature over what it received.
    expect(effects[1]!.signer).toBe(gatewayIdentity().subject);
  });

  it('in XML gives the same delivery as in JSON', async () => {
    const doc = statusUpdate({ status: 9 });
    const applicant = doc.applicant as Record<string, string>;
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><DossierStatus><dossierCode>${doc.dossierCode}</dossierCode>` +
      `<procedureCode>${doc.procedureCode}</procedureCode><agencyCode>${doc.agencyCode}</agencyCode><status>9</status>` +
      `<statusTime>${doc.statusTime}</statusTime><channel>online</channel><note>${doc.note}</note>` +
      `<applicant><fullName>${applicant.fullName}</fullName><personalId>${applicant.personalId}</personalId></applicant></DossierStatus>`;
    const res = await t.send({ raw: xml, contentType: 'application/xml' });
    expect(res.statusCode).toBe(202);
    await t.waitForState(res.body.messageId, ['delivered']);
    const progress = await t.portal.progressFor(doc.dossierCode as string);
    expect(progress.map((e) => e.payload)).toEqual([expectedProgress(doc)]);
  });

  it('sent twice returns the original messageId with duplicate: true and is delivered once', async () => {
    const doc = statusUpdate();
    const first = await t.send({ doc, headers: { 'idempotency-key': `key-${doc.dossierCode}` } });
    const second = await t.send({ doc, headers: { 'idempotency-key': `key-${doc.dossierCode}` } });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    expect(second.body).toEqual({ messageId: first.body.messageId, status: 'duplicate', duplicate: true });
    await t.waitForState(first.body.messageId, ['delivered']);
    expect(await t.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('without Idempotency-Key is deduplicated by dossier, status and status time (a replayed request)', async () => {
    const doc = statusUpdate();
    const first = await t.send({ doc });
    const replay = await t.send({ doc: { ...doc, note: 'same event, other wording' } });
    expect(replay.statusCode).toBe(200);
    expect(replay.body.messageId).toBe(first.body.messageId);
    const other = await t.send({ doc: { ...doc, status: 5 } });
    expect(other.statusCode).toBe(202);
  });

  it('reusing an Idempotency-Key for a different body is a 409 conflict, not a silent duplicate', async () => {
    const doc = statusUpdate();
    await t.send({ doc, headers: { 'idempotency-key': `reuse-${doc.dossierCode}` } });
    const res = await t.send({ doc: { ...doc, status: 10 }, headers: { 'idempotency-key': `reuse-${doc.dossierCode}` } });
    expect(res.statusCode).toBe(409);
    expect(res.body.error).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('delivery failures', () => {
  it('retries after 3 portal failures and delivers once, with attempts 4 and the history of each', async () => {
    await t.portal.faults({ failNext: 3, status: 503 });
    const doc = statusUpdate();
    const res = await t.send({ doc });
    const view = await t.waitForState(res.body.messageId, ['delivered']);
    expect(view.attempts).toBe(4);
    expect(view.history.map((h) => [h.outcome, h.statusCode])).toEqual([
      ['retry', 503],
      ['retry', 503],
      ['retry', 503],
      ['delivered', 200],
    ]);
    expect((await t.portal.effectsFor(doc.dossierCode as string)).map((e) => e.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
  });

  it('dead-letters a permanent 400 at once, with the portal response as the reason', async () => {
    await t.portal.faults({ failNext: 1, status: 400 });
    const res = await t.send();
    const view = await t.waitForState(res.body.messageId, ['dead']);
    expect(view.attempts).toBe(1);
    expect(view.lastError).toMatch(/^PERMANENT: HTTP 400 from national-portal: .*injected fault/);
    const job = await t.gateway.queues.get('national-portal').getJob(res.body.messageId);
    expect(await job!.getState()).toBe('failed');
    expect(job!.failedReason).toContain('HTTP 400');
    expect((await t.portal.received()).effects).toHaveLength(0);
  });

  it('dead-letters once its age passes the retry budget (3 s here), with the full error history and each next attempt time', async () => {
    await t.portal.faults({ failNext: 100_000, status: 502 });
    const res = await t.send();
    const view = await t.waitForState(res.body.messageId, ['dead']);
    expect(view.lastError).toMatch(/^RETRIES_EXHAUSTED after \d+ attempts in 3(\.\d)? s \(max age 3 s\): HTTP 502/);
    expect(view.history).toHaveLength(view.attempts);
    expect(view.history.every((h) => h.outcome === 'retry' && h.statusCode === 502)).toBe(true);
    // Every attempt but the last announced the next; the last one was made at (not before) the end of the budget.
    expect(view.history.slice(0, -1).every((h) => h.nextAttemptAt !== undefined)).toBe(true);
    expect(view.history.at(-1)!.nextAttemptAt).toBeUndefined();
    expect(Date.parse(view.history.at(-1)!.at) - Date.parse(view.receivedAt)).toBeGreaterThanOrEqual(3000);
    expect(view.nextAttemptAt).toBeNull();
  });

  it('shows when a message waiting for a retry will be tried next', async () => {
    await t.portal.faults({ failNext: 100_000, status: 503 });
    const res = await t.send();
    let waiting!: MessageView;
    await expect
      .poll(async () => {
        waiting = await t.status(res.body.messageId);
        return waiting.attempts >= 2 && waiting.nextAttemptAt !== null;
      })
      .toBe(true);
    const announced = waiting.history.at(-1)!.nextAttemptAt!;
    expect(waiting.nextAttemptAt).toBe(announced);
    expect(Date.parse(announced)).toBeGreaterThan(Date.parse(waiting.history.at(-1)!.at));
    await t.portal.faults({});
    await t.waitForState(res.body.messageId, ['delivered']);
  });

  it('treats a timeout as retryable', async () => {
    await t.portal.faults({ hangNext: 1 });
    const res = await t.send();
    const view = await t.waitForState(res.body.messageId, ['delivered'], 20_000);
    expect(view.history[0]).toMatchObject({ outcome: 'retry' });
    expect(view.history[0]!.error).toMatch(/TimeoutError|aborted/i);
    expect(view.attempts).toBe(2);
  });

  it('logs in again once when the portal ends the session, without spending an attempt', async () => {
    const first = await t.send();
    await t.waitForState(first.body.messageId, ['delivered']);
    const loginsBefore = (await t.portal.received()).stats.logins;
    await t.portal.expireSessions();
    const second = await t.send();
    const third = await t.send();
    expect((await t.waitForState(second.body.messageId, ['delivered'])).attempts).toBe(1);
    expect((await t.waitForState(third.body.messageId, ['delivered'])).attempts).toBe(1);
    expect((await t.portal.received()).stats.logins - loginsBefore).toBe(1);
  });
});

describe('logs', () => {
  it('carry messageId, dossierCode and partner, and never the applicant\'s name or personal ID', async () => {
    const doc = statusUpdate();
    const res = await t.send({ doc });
    await t.waitForState(res.body.messageId, ['delivered']);
    const lines = t.logs.map((l) => JSON.parse(l));
    const delivered = lines.find((l) => l.msg === 'delivered' && l.messageId === res.body.messageId);
    expect(delivered).toMatchObject({ dossierCode: doc.dossierCode, partner: 'province-a', destination: 'national-portal' });
    const all = t.logs.join('');
    expect(all).not.toContain('079188004321');
    expect(all).not.toContain('Trần Thị Bích Ngọc');
  });
});
