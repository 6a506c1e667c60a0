import { createHash } from 'node:crypto';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import type { DossierStatusV1, DossierStatusV2, StatusDocument } from '../../src/pipeline/message-types.ts';
import type { PaymentResultV1 } from '../../src/payments/payment-events.ts';
import type { ProcedureNames } from './procedure-catalog.ts';

/**
 * Our envelopes → the portal's records, field for field as the public client builds them (VietOpenCPS opencps-v2,
 * DVCQGIntegrationActionImpl): every field present, text values, blanks where nothing is known, dates as
 * yyyyMMddHHmmss in Asia/Ho_Chi_Minh. v1 messages are mapped with what they have.
 */
type StatusMessage = DossierStatusV1 | DossierStatusV2;

const compact = (time: string | undefined) => (time ? toCompactVnTime(time) : '');

export const isStatusType = (type: string) => type === 'dossier.status.v1' || type === 'dossier.status.v2';
const asV2 = (envelope: Envelope) => envelope.payload as unknown as DossierStatusV2 & Pick<DossierStatusV1, 'note'>;

/** TaiLieuNop item (createSyncDossierBodyRequest, dossier part type ≠ 2). */
const submittedDocument = (d: StatusDocument) => ({
  TenTepDinhKem: d.name,
  MaThanhPhanHoSo: d.partCode ?? '',
  TepDinhKemId: d.documentId,
  DuongDanTaiTepTin: d.url,
  IsDeleted: 'False',
});

/** DanhSachGiayToKetQua item (createSyncDossierBodyRequest, dossier part type 2: results). */
const resultDocument = (d: StatusDocument) => ({
  TenGiayTo: d.name,
  MaThanhPhanHoSo: d.partCode ?? '',
  GiayToId: d.documentId,
  DuongDanTepTinKetQua: d.url,
});

/** The DongBoHoSoMC item (createSyncDossierBodyRequest), in the public client's field order. */
export function toDossierRecord(envelope: Envelope, names: ProcedureNames): Record<string, unknown> {
  const s = asV2(envelope);
  const applicant = s.applicant;
  return {
    MaHoSo: s.dossierCode,
    MaTTHC: s.procedureCode,
    TenTTHC: names.TenTTHC,
    MaLinhVuc: names.MaLinhVuc,
    TenLinhVuc: names.TenLinhVuc,
    ChuHoSo: applicant?.fullName ?? '',
    LoaiDoiTuong: applicant?.kind === 'business' ? '2' : '1',
    MaDoiTuong: applicant?.portalAccountId ?? '',
    ThongTinKhac: '',
    Email: applicant?.email ?? '',
    // The public client sends the contact phone as Fax too; we send a fax number when the province has one.
    Fax: applicant?.fax ?? applicant?.phone ?? '',
    SoDienThoai: applicant?.phone ?? '',
    TrichYeuHoSo: s.summary ?? '',
    NgayTiepNhan: compact(s.receivedAt),
    NgayHenTra: compact(s.dueDate),
    TrangThaiHoSo: String(s.status),
    NgayTra: compact(s.returnedAt),
    ThongTinTra: '',
    // HinhThuc 1: the result goes back by public postal service (the public client's viaPostal = 2).
    HinhThuc: s.channel === 'postal' ? '1' : '0',
    NgayKetThucXuLy: compact(s.processingEndedAt),
    DonViXuLy: s.agencyName ?? '',
    GhiChu: s.summary ?? '',
    DanhSachLePhi: (s.fees ?? []).map((f) => ({ TenPhiLePhi: f.name, MaPhiLePhi: f.code, HinhThucThu: f.collection ?? '', Gia: String(f.amount), LoaiPhiLePhi: f.kind ?? '' })),
    DanhSachTepDinhKemKhac: [],
    DanhSachHoSoBoSung: [],
    DanhSachGiayToKetQua: (s.resultDocuments ?? []).map(resultDocument),
    TaiLieuNop: (s.submittedDocuments ?? []).map(submittedDocument),
  };
}

/**
 * What the portal must be told again by DongBoHoSoMC when it changes: the dossier record without its status
 * (each progress update carries the status) and without the portal's own names (they follow from MaTTHC).
 */
export function dossierFieldsDigest(envelope: Envelope): string {
  const { TrangThaiHoSo: _status, TenTTHC: _a, MaLinhVuc: _b, TenLinhVuc: _c, ...fields } = toDossierRecord(envelope, { TenTTHC: '', MaLinhVuc: '', TenLinhVuc: '' });
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** The CapNhatTienDoHoSoMC item (createSyncDossierStatusBodyRequest): `TrangThai` here, `TrangThaiHoSo` in the dossier. */
export function toProgressRecord(envelope: Envelope): Record<string, string> {
  const s = asV2(envelope);
  const h = s.handling;
  return {
    MaHoSo: s.dossierCode,
    NguoiXuLy: h?.handlerName ?? '',
    ChucDanh: h?.handlerTitle ?? '',
    ThoiDiemXuLy: toCompactVnTime(s.statusTime),
    PhongBanXuLy: h?.department ?? '',
    NoiDungXuLy: h?.note ?? s.note ?? '',
    TrangThai: String(s.status),
    NgayBatDau: compact(h?.startedAt),
    NgayKetThucTheoQuyDinh: compact(h?.legalDueDate),
  };
}

/** 4: the bank flagged the payment and an operator is deciding (a later update says 1 or 2). */
const paymentStatusCodes: Record<PaymentResultV1['status'], string> = { paid: '1', failed: '2', expired: '3', 'needs-review': '4' };

/** Our payment.result.v1 → the item of our payment service (our profile: no public source shows one). */
export function toPaymentRecord(envelope: Envelope): Record<string, unknown> {
  const result = envelope.payload as unknown as PaymentResultV1;
  const item: Record<string, unknown> = {
    MaHoSo: result.dossierCode,
    MaThanhToan: result.paymentId,
    TrangThaiThanhToan: paymentStatusCodes[result.status],
    SoTien: result.amount,
    DanhSachLePhi: result.fees.map((f) => ({ MaPhiLePhi: f.code, TenPhiLePhi: f.name, Gia: f.amount })),
  };
  if (result.transactionNo) item.MaGiaoDich = result.transactionNo;
  if (result.bankCode) item.NganHang = result.bankCode;
  if (result.paidAt) item.NgayThanhToan = toCompactVnTime(result.paidAt);
  return item;
}

/** Our submission.receipt.v1 → the item of our receipt service (our profile). */
export function toReceiptRecord(envelope: Envelope): Record<string, string> {
  const r = envelope.payload as { dossierCode: string; status: 'received' | 'rejected'; reason?: string; receivedAt: string };
  const item: Record<string, string> = { MaHoSo: r.dossierCode, TrangThaiNhan: r.status === 'received' ? 'DA_NHAN' : 'TU_CHOI', ThoiDiemNhan: toCompactVnTime(r.receivedAt) };
  if (r.reason) item.LyDo = r.reason;
  return item;
}
