import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NationalPortalClient } from '../../connectors/national-portal/client.ts';
import { connector as portalConnector } from '../../connectors/national-portal/index.ts';
import { destinationContext } from '../../src/connectors/connector-context.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import { PlatformSimulator } from '../helpers/platform-simulator.ts';
import { PortalSimulator, portalOptions, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * The national portal as its public client calls it (DVCQGIntegrationActionImpl): a dossier's first update is
 * TraCuuHoSo → DongBoHoSoMC → CapNhatTienDoHoSoMC; later ones send the progress alone unless the dossier changed.
 * The simulator keeps the dossiers it was given and refuses progress for one it never got.
 */
const lgspServices = {
  auth: { path: '/dvcqg/auth/1.0', serviceCode: 'LGSP-DVCQG-AUTH' },
  integration: { path: '/dvcqg/integration/1.0', serviceCode: 'LGSP-DVCQG-INTEGRATION' },
  attachment: { path: '/dvcqg/files/1.0', serviceCode: 'LGSP-DVCQG-FILES' },
};

describe.each([
  ['directly', false],
  ['through the province LGSP', true],
])('the national portal reached %s', (_how, viaLgsp) => {
  let t: TestGateway;
  let redis: Redis;
  let platform: PlatformSimulator | undefined;
  beforeAll(async () => {
    if (viaLgsp) {
      const portal = await PortalSimulator.start();
      platform = await PlatformSimulator.start([
        { ...lgspServices.auth, upstream: portal.url + portalOptions.authEndpoint },
        { ...lgspServices.integration, upstream: portal.url + portalOptions.integrationEndpoint },
        { ...lgspServices.attachment, upstream: portal.url },
      ]);
      t = await startTestGateway({ portal, overrides: { destinations: { 'national-portal': { transport: platform.transportConfig(lgspServices) } } } });
    } else {
      t = await startTestGateway();
    }
    redis = new Redis(t.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await t.close();
    if (platform) {
      await t.portal.close();
      await platform.close();
    }
  });
  beforeEach(async () => {
    await t.drain();
    await t.portal.reset();
  });

  const v2 = (overrides: Record<string, unknown> = {}): Record<string, any> => ({
    ...statusUpdate(),
    note: undefined,
    agencyName: 'UBND phường Bến Nghé',
    receivedAt: '2026-11-20T08:30:00+07:00',
    dueDate: '2026-12-01T17:00:00+07:00',
    summary: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    applicant: { fullName: 'Trần Thị Bích Ngọc', kind: 'citizen', personalId: '079188004321', email: 'ngoc@example.vn', phone: '0912345678' },
    handling: { handlerName: 'Lê Văn Tâm', handlerTitle: 'Chuyên viên', department: 'Phòng Quản lý đô thị', note: 'Thẩm định hồ sơ', legalDueDate: '2026-11-28T17:00:00+07:00' },
    fees: [{ code: 'LP-XD', name: 'Lệ phí cấp giấy phép xây dựng', amount: 75000, collection: '1', kind: '2' }],
    ...overrides,
  });

  /** A dossier created at the portal with its progress, then updated (isUpdating "True") before the next progress. */
  const createdThenUpdated = [
    ['DongBoHoSoMC', 'False'],
    ['CapNhatTienDoHoSoMC', undefined],
    ['DongBoHoSoMC', 'True'],
    ['CapNhatTienDoHoSoMC', undefined],
  ];
  const services = async (dossierCode: string) => (await t.portal.effectsFor(dossierCode)).map((e) => e.service);
  const sendV2 = (doc: Record<string, unknown>) => t.send({ doc, path: '/v2/dossiers/status' });

  describe('a dossier the portal does not have yet', () => {
    it('is looked up, synced with isUpdating "False", and only then given its progress', async () => {
      const doc = v2();
      const res = await sendV2(doc);
      expect(res.statusCode).toBe(202);
      await t.waitForState(res.body.messageId, ['delivered']);
      const [sync, progress] = await t.portal.effectsFor(doc.dossierCode as string);
      expect(sync).toMatchObject({ service: 'DongBoHoSoMC', payload: { madonvi: portalOptions.madonvi, isUpdating: 'False' } });
      expect((sync!.payload.data as Array<Record<string, unknown>>)[0]).toMatchObject({
        MaHoSo: doc.dossierCode,
        MaTTHC: doc.procedureCode,
        TenTTHC: 'Thủ tục hành chính 1.001612',
        ChuHoSo: 'Trần Thị Bích Ngọc',
        LoaiDoiTuong: '1',
        SoDienThoai: '0912345678',
        NgayTiepNhan: '20261120083000',
        NgayHenTra: '20261201170000',
        TrangThaiHoSo: '4',
        HinhThuc: '0',
        DonViXuLy: 'UBND phường Bến Nghé',
        DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí cấp giấy phép xây dựng', MaPhiLePhi: 'LP-XD', HinhThucThu: '1', Gia: '75000', LoaiPhiLePhi: '2' }],
      });
      expect((progress!.payload.data as Array<Record<string, unknown>>)[0]).toEqual({
        MaHoSo: doc.dossierCode,
        NguoiXuLy: 'Lê Văn Tâm',
        ChucDanh: 'Chuyên viên',
        ThoiDiemXuLy: '20261123091500',
        PhongBanXuLy: 'Phòng Quản lý đô thị',
        NoiDungXuLy: 'Thẩm định hồ sơ',
        TrangThai: '4',
        NgayBatDau: '',
        NgayKetThucTheoQuyDinh: '20261128170000',
      });
      expect((await t.portal.dossier(doc.dossierCode as string))?.progress).toHaveLength(1);
    });

    it('already at the portal (synced by an earlier system) is synced with isUpdating "True"', async () => {
      const doc = v2();
      const first = await sendV2(doc);
      await t.waitForState(first.body.messageId, ['delivered']);
      // The gateway forgets the dossier; the portal still has it.
      await redis.del(`${t.config.redis.prefix}:connector:national-portal:dossier:${doc.dossierCode}`);
      const second = await sendV2({ ...doc, status: 9, statusTime: '2026-11-24T10:00:00+07:00' });
      await t.waitForState(second.body.messageId, ['delivered']);
      const effects = await t.portal.effectsFor(doc.dossierCode as string);
      expect(effects.map((e) => [e.service, e.payload.isUpdating])).toEqual(createdThenUpdated);
    });
  });

  describe('a dossier the portal already has', () => {
    it('gets its progress alone when only the status moved', async () => {
      const doc = v2();
      await t.waitForState((await sendV2(doc)).body.messageId, ['delivered']);
      const lookupsBefore = (await t.portal.received()).stats.lookups;
      const later = await sendV2({ ...doc, status: 9, statusTime: '2026-11-25T10:00:00+07:00', handling: { handlerName: 'Lê Văn Tâm', note: 'Đã xử lý xong' } });
      await t.waitForState(later.body.messageId, ['delivered']);
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'CapNhatTienDoHoSoMC']);
      // No TraCuuHoSo and no LayThuTuc for a dossier the gateway knows the portal has.
      expect((await t.portal.received()).stats.lookups).toBe(lookupsBefore);
      expect((await t.portal.dossier(doc.dossierCode as string))?.record.TrangThaiHoSo).toBe('9');
    });

    it('is synced again (isUpdating "True") before the progress when its dossier-level fields changed', async () => {
      const doc = v2();
      await t.waitForState((await sendV2(doc)).body.messageId, ['delivered']);
      const result = { name: 'Giấy phép xây dựng', documentId: 'GP-778', url: 'https://motcua.example.gov.vn/files/GP-778.pdf', partCode: 'KQ01' };
      const later = await sendV2({ ...doc, status: 10, statusTime: '2026-11-30T15:00:00+07:00', returnedAt: '2026-11-30T15:00:00+07:00', resultDocuments: [result] });
      await t.waitForState(later.body.messageId, ['delivered']);
      const effects = await t.portal.effectsFor(doc.dossierCode as string);
      expect(effects.map((e) => [e.service, e.payload.isUpdating])).toEqual(createdThenUpdated);
      expect((effects[2]!.payload.data as Array<Record<string, unknown>>)[0]).toMatchObject({
        NgayTra: '20261130150000',
        DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy phép xây dựng', MaThanhPhanHoSo: 'KQ01', GiayToId: 'GP-778', DuongDanTepTinKetQua: result.url }],
      });
    });

    it('a v1 update of a dossier a v2 one synced sends its progress alone', async () => {
      const doc = v2();
      await t.waitForState((await sendV2(doc)).body.messageId, ['delivered']);
      const v1 = await t.send({ doc: statusUpdate({ dossierCode: doc.dossierCode, status: 5, statusTime: '2026-11-26T09:00:00+07:00' }) });
      await t.waitForState(v1.body.messageId, ['delivered']);
      // A v1 message never re-syncs a dossier the portal has: it would blank the fields the v2 one gave.
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'CapNhatTienDoHoSoMC']);
      expect((await t.portal.dossier(doc.dossierCode as string))?.record).toMatchObject({ NgayTiepNhan: '20261120083000', TrangThaiHoSo: '5' });
    });
  });

  describe('a dossier the gateway recorded as synced that the portal no longer has', () => {
    // The gateway's record outlives the portal's copy: a portal restored from a backup, a province moved from the
    // portal's test environment to production with its Redis, a restarted sandbox simulator beside a kept var/redis.
    it('a v1 update: the refused progress makes the gateway ask, create the dossier again, and send the progress', async () => {
      const doc = statusUpdate();
      await t.waitForState((await t.send({ doc })).body.messageId, ['delivered']);
      await t.portal.forget(doc.dossierCode as string);
      const later = await t.send({ doc: { ...doc, status: 5, statusTime: '2026-11-24T10:00:00+07:00' } });
      const view = await t.waitForState(later.body.messageId, ['delivered', 'dead']);
      expect([view.state, view.attempts, view.lastError]).toEqual(['delivered', 1, null]);
      const effects = await t.portal.effectsFor(doc.dossierCode as string);
      expect(effects.map((e) => [e.service, e.payload.isUpdating])).toEqual([
        ['DongBoHoSoMC', 'False'],
        ['CapNhatTienDoHoSoMC', undefined],
        ['DongBoHoSoMC', 'False'], // the first progress (refused) changed nothing, so it is not among the effects
        ['CapNhatTienDoHoSoMC', undefined],
      ]);
      expect((await t.portal.dossier(doc.dossierCode as string))?.progress.map((p) => p.TrangThai)).toEqual(['5']);
    });

    it('a v2 update with changed fields: the refused update (isUpdating "True") becomes a create', async () => {
      const doc = v2();
      await t.waitForState((await sendV2(doc)).body.messageId, ['delivered']);
      await t.portal.forget(doc.dossierCode as string);
      const later = await sendV2({ ...doc, status: 9, statusTime: '2026-11-25T10:00:00+07:00', summary: 'Cấp giấy phép xây dựng (bổ sung)' });
      const view = await t.waitForState(later.body.messageId, ['delivered', 'dead']);
      expect([view.state, view.attempts]).toEqual(['delivered', 1]);
      const effects = await t.portal.effectsFor(doc.dossierCode as string);
      expect(effects.map((e) => [e.service, e.payload.isUpdating])).toEqual([
        ['DongBoHoSoMC', 'False'],
        ['CapNhatTienDoHoSoMC', undefined],
        ['DongBoHoSoMC', 'False'],
        ['CapNhatTienDoHoSoMC', undefined],
      ]);
      expect((await t.portal.dossier(doc.dossierCode as string))?.record).toMatchObject({ TrichYeuHoSo: 'Cấp giấy phép xây dựng (bổ sung)', TrangThaiHoSo: '9' });
    });

    it('a refused look-up proves nothing: the progress refusal stands and nothing is created again', async () => {
      const doc = statusUpdate();
      await t.waitForState((await t.send({ doc })).body.messageId, ['delivered']);
      await t.portal.forget(doc.dossierCode as string);
      await t.portal.faults({ refuse: { service: 'TraCuuHoSo', count: 1, error_code: 99, message: 'Hệ thống đang bận' } });
      const later = await t.send({ doc: { ...doc, status: 5, statusTime: '2026-11-24T10:00:00+07:00' } });
      const view = await t.waitForState(later.body.messageId, ['dead']);
      expect(view.lastError).toContain('PERMANENT: national-portal refused CapNhatTienDoHoSoMC: {"error_code":3');
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
      // The operator is told why the dead letter was not healed.
      const unclear = t.logs.map((line) => JSON.parse(line)).filter((l) => l.messageId === later.body.messageId && /did not say whether it has it/.test(l.msg));
      expect(unclear).toHaveLength(1);
    });

    it('a refusal of a dossier the portal still has stays a refusal: looked up once, nothing synced again', async () => {
      const doc = statusUpdate();
      await t.waitForState((await t.send({ doc })).body.messageId, ['delivered']);
      await t.portal.faults({ refuse: { service: 'CapNhatTienDoHoSoMC', count: 1, error_code: 9, message: 'Trạng thái hồ sơ không hợp lệ' } });
      const lookupsBefore = (await t.portal.received()).stats.lookups;
      const later = await t.send({ doc: { ...doc, status: 5, statusTime: '2026-11-24T10:00:00+07:00' } });
      const view = await t.waitForState(later.body.messageId, ['dead']);
      expect(view.lastError).toContain('PERMANENT: national-portal refused CapNhatTienDoHoSoMC: {"error_code":9');
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
      expect((await t.portal.received()).stats.lookups - lookupsBefore).toBe(1);
    });
  });

  describe('the session', () => {
    it('ended by the portal with HTTP 401 is renewed once, without spending an attempt', async () => {
      const first = await t.send();
      await t.waitForState(first.body.messageId, ['delivered']);
      await t.portal.faults({ sessionErrorAsHttp401: true });
      await t.portal.expireSessions();
      const logins = (await t.portal.received()).stats.logins;
      const second = await t.send();
      expect((await t.waitForState(second.body.messageId, ['delivered'])).attempts).toBe(1);
      expect((await t.portal.received()).stats.logins - logins).toBe(1);
    });

    it('that expires between the dossier sync and the progress costs one login, not the message', async () => {
      // The portal says so with a non-zero error_code whose message names the session.
      await t.portal.faults({ refuse: { service: 'CapNhatTienDoHoSoMC', count: 1, error_code: -1, message: 'Session đã hết hạn' } });
      const logins = (await t.portal.received()).stats.logins;
      const doc = v2();
      const res = await sendV2(doc);
      const view = await t.waitForState(res.body.messageId, ['delivered']);
      expect(view.attempts).toBe(1);
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
      // One login because beforeEach reset the portal's sessions, one because the progress call was told it expired.
      expect((await t.portal.received()).stats.logins - logins).toBe(2);
    });
  });

  describe('answers', () => {
    it.each([
      ['0 as a number', 'number'],
      ['"0" as a string', 'string'],
      ['"00"', 'zero-padded'],
    ] as const)('error_code %s is success', async (_label, errorCodeStyle) => {
      await t.portal.faults({ errorCodeStyle });
      const doc = statusUpdate();
      const res = await t.send({ doc });
      expect((await t.waitForState(res.body.messageId, ['delivered'])).attempts).toBe(1);
      expect(await t.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    });

    it('a refusal is permanent: dead at once, the portal\'s whole answer kept with the dead letter', async () => {
      await t.portal.faults({ refuse: { service: 'CapNhatTienDoHoSoMC', count: 1, error_code: 9, message: 'Trạng thái hồ sơ không hợp lệ' } });
      const doc = statusUpdate();
      const res = await t.send({ doc });
      const view = await t.waitForState(res.body.messageId, ['dead']);
      expect(view.attempts).toBe(1);
      expect(view.lastError).toContain('PERMANENT: national-portal refused CapNhatTienDoHoSoMC: {"error_code":9,"message":"Trạng thái hồ sơ không hợp lệ"}');
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC']);
    });

    it('a procedure the portal does not know is a permanent refusal naming it', async () => {
      const res = await t.send({ doc: statusUpdate({ procedureCode: 'KHONG-CO.H22' }) });
      const view = await t.waitForState(res.body.messageId, ['dead']);
      expect(view.lastError).toMatch(/procedure KHONG-CO\.H22 is unknown at the portal \(LayThuTuc found nothing\)/);
    });

    it('refuses progress for a dossier it never got (the simulator holds the gateway to the order)', async () => {
      const login = await request(`${t.portal.url}${portalOptions.authEndpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', dstcode: portalOptions.dstcode },
        body: JSON.stringify({ username: portalOptions.username, password: portalOptions.password }),
      });
      const { session } = (await login.body.json()) as { session: string };
      const res = await request(`${t.portal.url}${portalOptions.integrationEndpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', dstcode: portalOptions.dstcode },
        body: JSON.stringify({ session, madonvi: portalOptions.madonvi, service: 'CapNhatTienDoHoSoMC', data: [{ MaHoSo: 'CHUA-DONG-BO', NguoiXuLy: '', ChucDanh: '', ThoiDiemXuLy: '20261123091500', PhongBanXuLy: '', NoiDungXuLy: '', TrangThai: '4', NgayBatDau: '', NgayKetThucTheoQuyDinh: '' }] }),
      });
      expect(await res.body.json()).toMatchObject({ error_code: 3, details: ['CHUA-DONG-BO'] });
    });
  });

  describe('effect once, without an idempotency key at the portal', () => {
    it('a failure after the dossier sync retries the progress alone: the sync is not repeated', async () => {
      await t.portal.faults({ refuse: { service: 'CapNhatTienDoHoSoMC', count: 2, httpStatus: 503 } });
      const doc = statusUpdate();
      const res = await t.send({ doc });
      const view = await t.waitForState(res.body.messageId, ['delivered']);
      expect(view.history.map((h) => [h.outcome, h.statusCode])).toEqual([
        ['retry', 503],
        ['retry', 503],
        ['delivered', 200],
      ]);
      expect(await services(doc.dossierCode as string)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
    });

    it('a message delivered again after its calls succeeded (a worker died before completing the job) calls nothing', async () => {
      const doc = statusUpdate();
      const res = await t.send({ doc });
      await t.waitForState(res.body.messageId, ['delivered']);
      const job = await t.gateway.queues.get('national-portal').getJob(res.body.messageId);
      const client = new NationalPortalClient(
        destinationContext(portalConnector, 'national-portal', t.config.destinations['national-portal']!, { logger: createLogger('silent'), signOutbound: () => 'unsigned', redis, prefix: t.config.redis.prefix }),
      );
      const callsBefore = (await t.portal.received()).stats.calls;
      await client.deliver({ envelope: job!.data as Envelope, idempotencyKey: res.body.messageId, traceId: randomUUID(), log: createLogger('silent') });
      await client.close();
      expect((await t.portal.received()).stats.calls).toBe(callsBefore);
      expect(await t.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    });
  });

  if (viaLgsp) {
    it('went through the platform for every call, with its service codes', async () => {
      await platform!.reset();
      const doc = statusUpdate();
      await t.waitForState((await t.send({ doc })).body.messageId, ['delivered']);
      const { effects } = await platform!.received();
      const portalStats = (await t.portal.received()).stats;
      expect(effects).toHaveLength(portalStats.logins + portalStats.calls);
      expect(new Set(effects.map((e) => e.serviceCode))).toEqual(new Set(['LGSP-DVCQG-AUTH', 'LGSP-DVCQG-INTEGRATION']));
      expect(await t.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    });
  }
});
