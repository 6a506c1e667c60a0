import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import type { DossierStatusV1 } from '../../src/pipeline/message-types.ts';
import type { PaymentResultV1 } from '../../src/payments/payment-events.ts';

/** The portal's KenhThucHien codes. */
const channelCodes: Record<DossierStatusV1['channel'], string> = { direct: '1', online: '2', postal: '3' };

export interface PortalStatusSync {
  madonvi: string;
  service: 'CapNhatTienDoHoSoMC';
  isUpdating: 'True' | 'False';
  data: Array<Record<string, string>>;
}

/** Our dossier.status.v1 envelope → the portal's progress-update request body. */
export function toPortalStatusSync(envelope: Envelope): PortalStatusSync {
  const status = envelope.payload as unknown as DossierStatusV1;
  const item: Record<string, string> = {
    MaHoSo: status.dossierCode,
    MaTTHC: status.procedureCode,
    TrangThaiHoSo: String(status.status),
    ThoiDiemXuLy: toCompactVnTime(status.statusTime),
    KenhThucHien: channelCodes[status.channel],
  };
  if (status.dueDate) item.NgayHenTra = toCompactVnTime(status.dueDate);
  if (status.note) item.NoiDungXuLy = status.note;
  if (status.applicant?.fullName) item.ChuHoSo = status.applicant.fullName;
  if (status.applicant?.personalId) item.SoDinhDanh = status.applicant.personalId;
  return { madonvi: status.agencyCode, service: 'CapNhatTienDoHoSoMC', isUpdating: 'True', data: [item] };
}

export interface PortalPaymentSync {
  madonvi: string;
  service: 'CapNhatThanhToanHoSoMC';
  data: Array<Record<string, unknown>>;
}

/** 4: the bank flagged the payment and an operator is deciding (a later update says 1 or 2). */
const paymentStatusCodes: Record<PaymentResultV1['status'], string> = { paid: '1', failed: '2', expired: '3', 'needs-review': '4' };

/** Our payment.result.v1 → the portal's payment update (our profile; see schemas/payment-sync.json). */
export function toPortalPaymentSync(envelope: Envelope): PortalPaymentSync {
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
  return { madonvi: result.agencyCode, service: 'CapNhatThanhToanHoSoMC', data: [item] };
}

/** Our submission.receipt.v1 → the portal's receipt of an online dossier (our profile; schemas/submission-receipt.json). */
export function toPortalReceipt(envelope: Envelope): Record<string, unknown> {
  const r = envelope.payload as { dossierCode: string; agencyCode: string; status: 'received' | 'rejected'; reason?: string; receivedAt: string };
  const item: Record<string, string> = { MaHoSo: r.dossierCode, TrangThaiNhan: r.status === 'received' ? 'DA_NHAN' : 'TU_CHOI', ThoiDiemNhan: toCompactVnTime(r.receivedAt) };
  if (r.reason) item.LyDo = r.reason;
  return { madonvi: r.agencyCode, service: 'XacNhanNhanHoSo', data: [item] };
}

/** Which portal service a message goes to, and its body. */
export function toPortalRequest(envelope: Envelope, paths: { syncPath: string; paymentPath: string; receiptPath: string }): { path: string; body: unknown } {
  switch (envelope.type) {
    case 'submission.receipt.v1':
      return { path: paths.receiptPath, body: toPortalReceipt(envelope) };
    case 'dossier.status.v1':
      return { path: paths.syncPath, body: toPortalStatusSync(envelope) };
    case 'payment.result.v1':
      return { path: paths.paymentPath, body: toPortalPaymentSync(envelope) };
    default:
      throw new Error(`national-portal connector cannot map ${envelope.type}`);
  }
}
