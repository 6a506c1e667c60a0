import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NationalPortalClient } from '../../connectors/national-portal/client.ts';
import type { ConnectorState } from '../../src/connectors/connector-state.ts';
import type { ConnectorContext } from '../../src/connectors/connector-types.ts';
import { DirectTransport } from '../../src/connectors/transport/direct-transport.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { Envelope } from '../../src/messages/envelope.ts';

/**
 * Golden fixture: the requests VietOpenCPS opencps-v2 sends to the national portal for one example dossier, built by
 * reading `modules/backend-dossiermgt/backend-dossiermgt-service/src/main/java/org/opencps/dossiermgt/action/impl/
 * DVCQGIntegrationActionImpl.java`, method `syncDossierAndDossierStatus` and the methods it calls:
 * `getAccessToken` (login), `hasSyncDossier`/`searchDossier` (TraCuuHoSo), `createSyncDossierBodyRequest(groupId,
 * dossier, config, accessToken, request)` (LayThuTuc, then the DongBoHoSoMC item), `syncData` (session and madonvi
 * first, then the service's fields), `createSyncDossierStatusBodyRequest` (the CapNhatTienDoHoSoMC item).
 *
 * The example dossier, in the public client's terms: dossierNo 000.00.01.H22-261120-0042, serviceCode 1.001612.000.00.00.H22
 * (no ServiceInfoMapping, so MaTTHC = serviceCode), contactName, contactEmail, contactTelNo, applicantIdType "citizen",
 * no portal applicant mapping, dossierNote, receiveDate 2026-11-20 08:30, dueDate 2026-12-01 17:00, no finishDate or
 * releaseDate, status mapped to DVCQG "4", viaPostal 1, govAgencyName, one result file (dossier part type 2) and no
 * other files; its last action by "Lê Văn Tâm" at 2026-11-23 09:15 with note "Thẩm định hồ sơ".
 */
const config = { authEndpoint: '/api/auth', integrationEndpoint: '/api/integration', username: 'motcua-h22', password: 'p@ss', dstcode: 'DST-H22', madonvi: '000.00.00.H22' };
const session = 'b0c3f9d2a1';

const golden = {
  login: { username: 'motcua-h22', password: 'p@ss' },
  traCuuHoSo: { session, madonvi: '000.00.00.H22', service: 'TraCuuHoSo', mahoso: '000.00.01.H22-261120-0042' },
  layThuTuc: { session, madonvi: '000.00.00.H22', service: 'LayThuTuc', maTTHC: '1.001612.000.00.00.H22' },
  dongBoHoSoMC: {
    session,
    madonvi: '000.00.00.H22',
    isUpdating: 'False',
    data: [
      {
        MaHoSo: '000.00.01.H22-261120-0042',
        MaTTHC: '1.001612.000.00.00.H22',
        TenTTHC: 'Cấp giấy phép xây dựng đối với công trình cấp III, cấp IV',
        MaLinhVuc: 'G09-XD',
        TenLinhVuc: 'Hoạt động xây dựng',
        ChuHoSo: 'Trần Thị Bích Ngọc',
        LoaiDoiTuong: '1',
        MaDoiTuong: '',
        ThongTinKhac: '',
        Email: 'ngoc@example.vn',
        Fax: '0912345678', // the public client sends the contact phone as Fax
        SoDienThoai: '0912345678',
        TrichYeuHoSo: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
        NgayTiepNhan: '20261120083000',
        NgayHenTra: '20261201170000',
        TrangThaiHoSo: '4',
        NgayTra: '',
        ThongTinTra: '',
        HinhThuc: '0',
        NgayKetThucXuLy: '',
        DonViXuLy: 'UBND phường Bến Nghé',
        GhiChu: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
        DanhSachLePhi: [],
        DanhSachTepDinhKemKhac: [],
        DanhSachHoSoBoSung: [],
        // MaThanhPhanHoSo is blank in this variant of createSyncDossierBodyRequest (getDossierPartNo is commented out).
        DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy phép xây dựng', MaThanhPhanHoSo: '', GiayToId: '778', DuongDanTepTinKetQua: 'https://motcua.example.gov.vn/documents/20/0/gp.pdf' }],
        TaiLieuNop: [],
      },
    ],
    service: 'DongBoHoSoMC',
  },
  capNhatTienDoHoSoMC: {
    session,
    madonvi: '000.00.00.H22',
    service: 'CapNhatTienDoHoSoMC',
    data: [
      {
        MaHoSo: '000.00.01.H22-261120-0042',
        NguoiXuLy: 'Lê Văn Tâm',
        ChucDanh: '',
        ThoiDiemXuLy: '20261123091500',
        PhongBanXuLy: '',
        NoiDungXuLy: 'Thẩm định hồ sơ',
        TrangThai: '4',
        NgayBatDau: '',
        NgayKetThucTheoQuyDinh: '',
      },
    ],
  },
};

/** The same dossier as our dossier.status.v2 message. */
const envelope = {
  messageId: '6f1d2c1e-0000-4000-8000-000000000042',
  type: 'dossier.status.v2',
  partner: 'province-a',
  agencyCode: '000.00.01.H22',
  dossierCode: '000.00.01.H22-261120-0042',
  traceId: 'trace-golden',
  orderingTime: Date.parse('2026-11-23T09:15:00+07:00'),
  payload: {
    dossierCode: '000.00.01.H22-261120-0042',
    procedureCode: '1.001612.000.00.00.H22',
    agencyCode: '000.00.01.H22',
    agencyName: 'UBND phường Bến Nghé',
    status: 4,
    statusTime: '2026-11-23T09:15:00+07:00',
    channel: 'direct',
    receivedAt: '2026-11-20T08:30:00+07:00',
    dueDate: '2026-12-01T17:00:00+07:00',
    summary: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
    applicant: { fullName: 'Trần Thị Bích Ngọc', kind: 'citizen', email: 'ngoc@example.vn', phone: '0912345678' },
    handling: { handlerName: 'Lê Văn Tâm', note: 'Thẩm định hồ sơ' },
    resultDocuments: [{ name: 'Giấy phép xây dựng', documentId: '778', url: 'https://motcua.example.gov.vn/documents/20/0/gp.pdf' }],
  },
} as unknown as Envelope;

const received: Array<{ url: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
const portal = createServer((req, res) => {
  let text = '';
  req.on('data', (c) => (text += c));
  req.on('end', () => {
    const body = JSON.parse(text) as Record<string, unknown>;
    received.push({ url: req.url!, headers: req.headers, body });
    const answers: Record<string, unknown> = {
      TraCuuHoSo: { error_code: 0, result: [] },
      LayThuTuc: { error_code: '0', result: [{ TENTTHC: golden.dongBoHoSoMC.data[0]!.TenTTHC, LINHVUCTHUCHIEN: [{ MALINHVUC: 'G09-XD', TENLINHVUC: 'Hoạt động xây dựng' }] }] },
    };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === config.authEndpoint ? { session, error_code: 0 } : (answers[String(body.service)] ?? { error_code: '00' })));
  });
});

/** An in-memory stand-in for the Redis-backed records (the e2e tests use the real one). */
function memoryState(): ConnectorState {
  const records = new Map<string, Record<string, string>>();
  return {
    read: async (key) => ({ ...(records.get(key) ?? {}) }),
    write: async (key, fields) => void records.set(key, { ...(records.get(key) ?? {}), ...fields }),
  };
}

let client: NationalPortalClient;
beforeAll(async () => {
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
  const context = {
    destinationName: 'national-portal',
    destination: { connector: 'national-portal', baseUrl, options: config, timeoutMs: 2000, concurrency: 1 },
    logger: createLogger('silent'),
    signOutbound: () => 'sig',
    transport: new DirectTransport(baseUrl, 1),
    state: memoryState(),
  } as unknown as ConnectorContext;
  client = new NationalPortalClient(context);
  await client.deliver({ envelope, idempotencyKey: envelope.messageId, traceId: envelope.traceId, log: createLogger('silent') });
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => portal.close(resolve));
});

describe('national portal golden fixture (the public client\'s own requests for one dossier)', () => {
  it('calls in the public client\'s order: login, TraCuuHoSo, LayThuTuc, DongBoHoSoMC, CapNhatTienDoHoSoMC', () => {
    expect(received.map((r) => (r.url === config.authEndpoint ? 'login' : r.body.service))).toEqual(['login', 'TraCuuHoSo', 'LayThuTuc', 'DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
    expect(received.map((r) => r.url)).toEqual(['/api/auth', '/api/integration', '/api/integration', '/api/integration', '/api/integration']);
  });

  it('sends the dstcode header and JSON on every call', () => {
    for (const r of received) expect(r.headers).toMatchObject({ dstcode: 'DST-H22', 'content-type': 'application/json' });
  });

  it.each([
    ['login', 0, golden.login],
    ['TraCuuHoSo', 1, golden.traCuuHoSo],
    ['LayThuTuc', 2, golden.layThuTuc],
    ['DongBoHoSoMC', 3, golden.dongBoHoSoMC],
    ['CapNhatTienDoHoSoMC', 4, golden.capNhatTienDoHoSoMC],
  ] as const)('%s: every field as the public client sends it', (_name, index, expected) => {
    const body = received[index]!.body;
    const sent = body.data ? { ...body, data: undefined } : body;
    const want = 'data' in expected ? { ...expected, data: undefined } : expected;
    expect(sent).toEqual(want);
    if ('data' in expected) {
      const items = body.data as Array<Record<string, unknown>>;
      expect(items).toHaveLength(expected.data.length);
      expected.data.forEach((item, i) => {
        expect(Object.keys(items[i]!).sort()).toEqual(Object.keys(item).sort());
        for (const [field, value] of Object.entries(item)) expect({ field, value: items[i]![field] }).toEqual({ field, value });
      });
    }
  });
});
