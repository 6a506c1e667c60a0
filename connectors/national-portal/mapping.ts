import type { Envelope } from '../../src/messages/envelope.ts';
import type { DossierStatusV1 } from '../../src/pipeline/message-types.ts';

/** The portal's KenhThucHien codes. */
const channelCodes: Record<DossierStatusV1['channel'], string> = { direct: '1', online: '2', postal: '3' };

/** yyyyMMddHHmmss in Asia/Ho_Chi_Minh (UTC+7, no daylight saving), as the portal expects. */
export function toPortalDateTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 7 * 3_600_000);
  return shifted.toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

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
    ThoiDiemXuLy: toPortalDateTime(status.statusTime),
    KenhThucHien: channelCodes[status.channel],
  };
  if (status.dueDate) item.NgayHenTra = toPortalDateTime(status.dueDate);
  if (status.note) item.NoiDungXuLy = status.note;
  if (status.applicant?.fullName) item.ChuHoSo = status.applicant.fullName;
  if (status.applicant?.personalId) item.SoDinhDanh = status.applicant.personalId;
  return { madonvi: status.agencyCode, service: 'CapNhatTienDoHoSoMC', isUpdating: 'True', data: [item] };
}
