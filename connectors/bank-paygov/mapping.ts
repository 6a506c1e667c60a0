import { CallbackRefused, PaymentNotFound, type ExpectedPayment, type ExpectedPaymentLookup, type ProviderStatement } from '../../src/payments/payment-provider.ts';
import { detailChecksum, sameChecksum, transactionChecksum, type TransactionChecksumFields } from './checksum.ts';
import { beneficiaryFor, type PaygovOptions } from './options.ts';

/**
 * Our expected payment ⇄ the national payment platform's JSON, field for field as the public client builds it
 * (VietOpenCPS opencps-v2, modules/pay-gate-integration, PayGateIntegrationActionImpl.kpCreateTransaction,
 * kpViewDetailTransaction and kpCallBack). Where we fill a field differently, the comment says why.
 */

/** One fee item (bill_info.PhiLePhi[]). */
export interface PhiLePhi {
  LoaiPhiLePhi: number;
  MaPhiLePhi: number | string;
  TenPhiLePhi: string;
  SoTien: number;
}

export interface BillInfo {
  MaDichVu: string;
  TKThuHuong: string;
  MaNHThuHuong: string;
  TenTKThuHuong: string;
  PhiLePhi: PhiLePhi[];
  MaDonVi: string;
  TenDonVi: string;
  MaHoSo: string;
  MaTTHC: string;
  TenTTHC: string;
  MaDVC: string;
  TenDVC: string;
  NoiDungThanhToan: string;
  MaLoaiHinhThuPhat: string;
  HoTenNguoiNop: string;
  SoCMNDNguoiNop: string;
  DiaChiNguoiNop: string;
  HuyenNguoiNop: string;
  TinhNguoiNop: string;
  MaCoQuanQD: string;
  TenCoQuanQD: string;
  KhoBac: string;
  NgayQD: string;
  SoQD: string;
  ThoiGianViPham: string;
  DiaDiemViPham: string;
  TenNguoiViPham: string;
  TaiKhoanThuNSNN: string;
  DSKhoanNop: Array<{ NoiDung: string; SoTien: string }>;
}

/** The create-transaction request body. Amounts are strings here, as the source puts them (String.valueOf(long)). */
export interface CreateTransactionRequest {
  client_id: string;
  transaction_id: string;
  trans_amount: string;
  command: string;
  version: string;
  description: string;
  locale: string;
  country_code: string;
  currency_code: string;
  environment: string;
  bill_info: BillInfo;
  return_url: string;
  addition_fee: string;
  check_sum: string;
}

/**
 * The source sends the dossier's shipping amount as addition_fee; fee payments through the gateway carry no
 * shipping, so it is always "0" (and the callback check recomputes with the same "0").
 */
export const additionFee = '0';

/** The fields both checksums of a transaction cover: what we asked for, not what anyone says back. */
export const checksumFieldsOf = (payment: Pick<ExpectedPayment, 'paymentId' | 'amount'>, options: PaygovOptions): TransactionChecksumFields => ({
  additionFee,
  clientId: options.clientId,
  command: options.command,
  transAmount: String(payment.amount),
  transactionId: payment.paymentId,
  version: options.version,
});

export function toCreateTransaction(payment: ExpectedPayment, options: PaygovOptions): CreateTransactionRequest {
  const account = beneficiaryFor(options, payment.procedureCode);
  const procedureCode = payment.procedureCode ?? '';
  const procedureName = payment.procedureName ?? '';
  const bill: BillInfo = {
    MaDichVu: options.maDichVu,
    TKThuHuong: account.accountNumber,
    MaNHThuHuong: account.bankCode,
    TenTKThuHuong: account.accountName,
    // The source sends one item with the literals 2/2 ("????" in its comment) and the account's fee name; we
    // itemise the dossier's fees: MaPhiLePhi is our fee code, TenPhiLePhi its name. LoaiPhiLePhi stays 2.
    PhiLePhi: payment.fees.map((fee) => ({ LoaiPhiLePhi: 2, MaPhiLePhi: fee.code, TenPhiLePhi: fee.name, SoTien: fee.amount })),
    MaDonVi: options.maDonVi,
    TenDonVi: options.tenDonVi,
    MaHoSo: payment.dossierCode,
    MaTTHC: procedureCode,
    TenTTHC: procedureName,
    MaDVC: procedureCode + options.maDvcAppend,
    TenDVC: procedureName,
    NoiDungThanhToan: payment.description,
    MaLoaiHinhThuPhat: '',
    // The payer's name, ID and address: the source copies them from the dossier. Our payment request does not
    // carry them (the platform does not need them to collect a fee), so they stay empty.
    HoTenNguoiNop: '',
    SoCMNDNguoiNop: '',
    DiaChiNguoiNop: '',
    HuyenNguoiNop: '',
    TinhNguoiNop: '',
    MaCoQuanQD: options.maCoQuanQD,
    TenCoQuanQD: options.tenCoQuanQD,
    KhoBac: '',
    NgayQD: '',
    SoQD: '',
    ThoiGianViPham: '',
    DiaDiemViPham: '',
    TenNguoiViPham: '',
    TaiKhoanThuNSNN: '',
    DSKhoanNop: [{ NoiDung: payment.description, SoTien: String(payment.amount) }],
  };
  return {
    client_id: options.clientId,
    transaction_id: payment.paymentId,
    trans_amount: String(payment.amount),
    command: options.command,
    version: options.version,
    description: payment.description,
    locale: options.locale,
    country_code: options.countryCode,
    currency_code: options.currencyCode,
    environment: options.environment,
    bill_info: bill,
    return_url: payment.returnUrl,
    addition_fee: additionFee,
    check_sum: transactionChecksum(options.hashKey1, checksumFieldsOf(payment, options)),
  };
}

/** What the platform says about a transaction: a callback, or (our profile) a detail answer. */
export interface PlatformStatement {
  transaction_id?: unknown;
  transaction_code?: unknown;
  trans_amount?: unknown;
  status?: unknown;
  check_sum?: unknown;
}

/**
 * The callback rule of kpCallBack: the check_sum must equal HMAC(hashKey2) recomputed over OUR expected payment
 * (amount, transaction id, client id, command, version), so a statement for another amount fails the checksum.
 * Then `status` 0 is paid and any other integer not paid.
 */
export async function statementOf(json: unknown, options: PaygovOptions, expected: ExpectedPaymentLookup): Promise<ProviderStatement> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new CallbackRefused('malformed', 'body is not a JSON object');
  const t = json as PlatformStatement;
  if (typeof t.transaction_id !== 'string' || !t.transaction_id) throw new CallbackRefused('malformed', 'transaction_id is missing');
  const payment = await expected(t.transaction_id);
  if (!payment) throw new PaymentNotFound(t.transaction_id);
  if (!sameChecksum(transactionChecksum(options.hashKey2, checksumFieldsOf(payment, options)), t.check_sum)) {
    throw new CallbackRefused('invalid-signature', 'check_sum does not match the expected transaction');
  }
  const status = integerOf(t.status);
  if (status === undefined) throw new CallbackRefused('malformed', 'status is not an integer');
  const stated = t.trans_amount === undefined ? String(payment.amount) : String(t.trans_amount);
  if (!/^\d{1,15}$/.test(stated)) throw new CallbackRefused('malformed', 'trans_amount is not a whole number');
  const code = typeof t.transaction_code === 'string' || typeof t.transaction_code === 'number' ? String(t.transaction_code) : '';
  return {
    paymentId: payment.paymentId,
    outcome: status === 0 ? 'paid' : 'failed',
    transactionNo: code || payment.paymentId,
    // The checksum already binds our amount; a trans_amount that still differs is refused by the settle step.
    amount: Number(stated),
    currency: 'VND',
    // Neither the callback nor the detail answer carries a payment time in the source: the time we heard it.
    paidAt: new Date().toISOString(),
  };
}

/** Liferay's getInt reads 0, "0" and " 0" alike; a missing status would read 0 there, here it is malformed. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d{1,9}\s*$/.test(value)) return Number(value);
  return undefined;
}

/** The detail (query) request, as kpViewDetailTransaction sends it. */
export const toDetailRequest = (payment: ExpectedPayment, options: PaygovOptions) => ({
  client_id: options.clientId,
  transaction_id: payment.paymentId,
  command: options.command,
  check_sum: detailChecksum(options.hashKey1, options.clientId, options.command, payment.paymentId),
});
