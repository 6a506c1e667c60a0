import { DirectTransport } from '../../src/connectors/transport/direct-transport.ts';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaygovProvider } from '../../connectors/bank-paygov/client.ts';
import { transactionChecksumInput } from '../../connectors/bank-paygov/checksum.ts';
import { checksumFieldsOf } from '../../connectors/bank-paygov/mapping.ts';
import { paygovOptionsOf } from '../../connectors/bank-paygov/options.ts';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { ExpectedPayment } from '../../src/payments/payment-provider.ts';

/*
 * Golden fixture: what VietOpenCPS's public client would send for one example payment, written by reading
 *   opencps-v2 modules/pay-gate-integration/src/main/java/org/fds/opencps/paygate/integration/
 *     action/impl/PayGateIntegrationActionImpl.java  kpCreateTransaction, kpViewDetailTransaction, kpCallBack
 *     util/PayGateUtil.java                          generateChecksum (both overloads), hmacSHA256Hex, toHexString
 *     util/PayGateTerm.java                          the JSON key names
 * Its configuration (KP_DVCQG_CONFIG) for the example:
 *   client_id OCPS-H22, hash_key_1 k1-0123456789abcdef, hash_key_2 k2-fedcba9876543210, command PAY, version 3.0,
 *   locale vn, country_code vi, currency_code VND, environment 1, MaDichVu 2, MaDonVi/MaCoQuanQD 000.00.01.H22,
 *   TenDonVi/TenCoQuanQD "UBND tỉnh H22", MADVCAppend "", BankInfo.default {TKThuHuong 3511.0.1234567,
 *   MaNHThuHuong VCB, TenTKThuHuong "Kho bac Nha nuoc tinh H22", TenPhiLePhi "Lệ phí cấp giấy phép xây dựng"},
 *   actionIsOnline.url_domain https://motcua.example.gov.vn/thanh-toan/ket-qua
 * and the dossier: DossierNo 000.00.01.H22-261123-0001, DVCQG service code 1.009994.000.00.00.H22, service name
 * "Cấp giấy phép xây dựng", PaymentFile feeAmount = paymentAmount = 200000 (long), shipAmount 0, paymentNote
 * "Thanh toan phi ho so 000.00.01.H22-261123-0001".
 * The checksums were computed apart from this code base (Python hmac/hashlib):
 *   hmac.new(b'k1-0123456789abcdef', b'0|OCPS-H22|PAY|200000|5a1f0c9e2b7d4e6f8a3c|3.0', sha256).hexdigest()
 */
const transactionId = '5a1f0c9e2b7d4e6f8a3c';
const sourceCreateBody = {
  client_id: 'OCPS-H22',
  transaction_id: transactionId, // the source's is `${paymentFileId}_${UUID}` cut to 20 characters: any 20-character id
  trans_amount: '200000', // String.valueOf(long)
  command: 'PAY',
  version: '3.0',
  description: 'Thanh toan phi ho so 000.00.01.H22-261123-0001',
  locale: 'vn',
  country_code: 'vi',
  currency_code: 'VND',
  environment: '1',
  bill_info: {
    MaDichVu: '2',
    TKThuHuong: '3511.0.1234567',
    MaNHThuHuong: 'VCB',
    TenTKThuHuong: 'Kho bac Nha nuoc tinh H22',
    PhiLePhi: [{ LoaiPhiLePhi: 2, MaPhiLePhi: 2, TenPhiLePhi: 'Lệ phí cấp giấy phép xây dựng', SoTien: 200000 }],
    MaDonVi: '000.00.01.H22',
    TenDonVi: 'UBND tỉnh H22',
    MaHoSo: '000.00.01.H22-261123-0001',
    MaTTHC: '1.009994.000.00.00.H22',
    TenTTHC: 'Cấp giấy phép xây dựng',
    MaDVC: '1.009994.000.00.00.H22',
    TenDVC: 'Cấp giấy phép xây dựng',
    NoiDungThanhToan: 'Thanh toan phi ho so 000.00.01.H22-261123-0001',
    MaLoaiHinhThuPhat: '',
    HoTenNguoiNop: 'Nguyễn Văn An', // dossier.getApplicantName()
    SoCMNDNguoiNop: '001090012345', // dossier.getApplicantIdNo()
    DiaChiNguoiNop: 'Số 1 đường A', // dossier.getAddress()
    HuyenNguoiNop: '',
    TinhNguoiNop: '',
    MaCoQuanQD: '000.00.01.H22',
    TenCoQuanQD: 'UBND tỉnh H22',
    KhoBac: '',
    NgayQD: '',
    SoQD: '',
    ThoiGianViPham: '',
    DiaDiemViPham: '',
    TenNguoiViPham: '',
    TaiKhoanThuNSNN: '',
    DSKhoanNop: [{ NoiDung: 'Thanh toan phi ho so 000.00.01.H22-261123-0001', SoTien: '200000' }],
  },
  return_url: 'https://motcua.example.gov.vn/thanh-toan/ket-qua',
  addition_fee: '0', // String.valueOf(shipAmount)
  check_sum: 'a33284e51fb657dde8840f71b2f04b47698c7d847095890db5f46f5098f329a9',
};

/** Where the gateway deliberately sends something else, and what (README, "Payment platform (paygov)"). */
const deliberateDifferences: Record<string, unknown> = {
  // Our fee items, each with its own code and name, instead of one item with the literals 2/2 ("????" in the source).
  'bill_info.PhiLePhi': [{ LoaiPhiLePhi: 2, MaPhiLePhi: 'LP01', TenPhiLePhi: 'Lệ phí cấp giấy phép xây dựng', SoTien: 200000 }],
  // The payer's personal data: not in our payment request, not needed to collect a fee.
  'bill_info.HoTenNguoiNop': '',
  'bill_info.SoCMNDNguoiNop': '',
  'bill_info.DiaChiNguoiNop': '',
};

const options = {
  clientId: 'OCPS-H22',
  hashKey1: 'k1-0123456789abcdef',
  hashKey2: 'k2-fedcba9876543210',
  command: 'PAY',
  version: '3.0',
  createTransactionEndpoint: '/kp/create',
  detailTransactionEndpoint: '/kp/detail',
  maDichVu: '2',
  maDonVi: '000.00.01.H22',
  tenDonVi: 'UBND tỉnh H22',
  maCoQuanQD: '000.00.01.H22',
  tenCoQuanQD: 'UBND tỉnh H22',
  bankInfo: { default: { accountNumber: '3511.0.1234567', bankCode: 'VCB', accountName: 'Kho bac Nha nuoc tinh H22' } },
};

const payment: ExpectedPayment = {
  paymentId: transactionId,
  partner: 'province-a',
  agencyCode: '000.00.01.H22',
  dossierCode: '000.00.01.H22-261123-0001',
  procedureCode: '1.009994.000.00.00.H22',
  procedureName: 'Cấp giấy phép xây dựng',
  provider: 'paygov',
  fees: [{ code: 'LP01', name: 'Lệ phí cấp giấy phép xây dựng', amount: 200000 }],
  amount: 200000,
  currency: 'VND',
  description: 'Thanh toan phi ho so 000.00.01.H22-261123-0001',
  returnUrl: 'https://motcua.example.gov.vn/thanh-toan/ket-qua',
  createdAt: '2026-11-23T02:00:00.000Z',
  expiresAt: '2026-11-23T02:15:00.000Z',
  status: 'pending',
};

/** A stand-in platform on loopback that records exactly what the connector sent and answers like the platform. */
const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
const platform = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push({ url: req.url!, headers: req.headers, body });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/kp/create' ? { error: '0', msg: 'success', payment_url: 'https://paygov.example/pay/1' } : { error: '1', msg: 'not found' }));
  });
});
let provider: PaygovProvider;
beforeAll(async () => {
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
  const context = { serviceName: 'paygov', service: { connector: 'bank-paygov', baseUrl, options, timeoutMs: 2000, certificates: [] }, transport: new DirectTransport(baseUrl, 2), logger: createLogger('silent') } as unknown as ServiceContext;
  provider = new PaygovProvider(context);
});
afterAll(async () => {
  await provider.close();
  await new Promise((resolve) => platform.close(resolve));
});

/** Every leaf of a JSON value by its dotted path (arrays are compared whole). */
function leaves(value: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const path = prefix + key;
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [p, leaf] of leaves(v as Record<string, unknown>, `${path}.`)) out.set(p, leaf);
    else out.set(path, v);
  }
  return out;
}

describe('paygov golden fixture (the public client\'s own request)', () => {
  it('sends the create request field by field as kpCreateTransaction builds it, with the same check_sum', async () => {
    expect(await provider.create(payment)).toEqual({ paymentUrl: 'https://paygov.example/pay/1' });
    const sent = received.find((r) => r.url === '/kp/create')!;
    expect(sent.headers['content-type']).toBe('application/json');
    const ours = leaves(JSON.parse(sent.body));
    const theirs = leaves(sourceCreateBody);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [path, value] of theirs) {
      const expected = path in deliberateDifferences ? deliberateDifferences[path] : value;
      expect({ path, value: ours.get(path) }).toEqual({ path, value: expected });
    }
  });

  it('checks a callback by recomputing kpCallBack\'s checksum over the expected payment with hash_key_2', async () => {
    const fields = checksumFieldsOf(payment, paygovOptionsOf(options));
    expect(transactionChecksumInput(fields)).toBe('0|OCPS-H22|PAY|200000|5a1f0c9e2b7d4e6f8a3c|3.0');
    // Python: hmac.new(b'k2-fedcba9876543210', b'0|OCPS-H22|PAY|200000|5a1f0c9e2b7d4e6f8a3c|3.0', sha256).hexdigest()
    const genuine = { transaction_id: transactionId, transaction_code: 'KP123', trans_amount: '200000', status: 0, check_sum: 'c3cbb96ac84328c67440c395fcd443f90d553d732fee7b6111d9b6ac0cc009df' };
    const read = (body: unknown) => provider.readCallback({ method: 'POST', query: {}, headers: {}, rawBody: Buffer.from(JSON.stringify(body)) }, async (id) => (id === transactionId ? payment : undefined));
    expect(await read(genuine)).toMatchObject({ paymentId: transactionId, outcome: 'paid', amount: 200000, transactionNo: 'KP123' });
    expect(await read({ ...genuine, status: '0' })).toMatchObject({ outcome: 'paid' }); // getInt reads "0" as 0
    expect(await read({ ...genuine, status: 3 })).toMatchObject({ outcome: 'failed' });
    await expect(read({ ...genuine, check_sum: sourceCreateBody.check_sum })).rejects.toMatchObject({ verdict: 'invalid-signature' }); // hash_key_1's is not a callback's
    await expect(read({ ...genuine, transaction_id: 'OTHER' })).rejects.toMatchObject({ name: 'PaymentNotFound' });
    await expect(read({ ...genuine, status: undefined })).rejects.toMatchObject({ verdict: 'malformed' });
  });

  it('asks for a transaction\'s detail as kpViewDetailTransaction does: client_id|command|transaction_id with hash_key_1', async () => {
    expect(await provider.query(payment)).toBe('unknown');
    const sent = received.find((r) => r.url === '/kp/detail')!;
    // Python: hmac.new(b'k1-0123456789abcdef', b'OCPS-H22|PAY|5a1f0c9e2b7d4e6f8a3c', sha256).hexdigest()
    expect(JSON.parse(sent.body)).toEqual({ client_id: 'OCPS-H22', transaction_id: transactionId, command: 'PAY', check_sum: 'd5c9ec31f5cb4105a53ba51c7a0572773130314058ee2515564fc246b4fb68e4' });
  });
});
