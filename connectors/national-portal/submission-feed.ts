import { createHash, randomBytes } from 'node:crypto';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';

/** Synthetic online submissions with real attachment bytes and their SHA-256 (the simulated portal's feed; our profile). */
export function createSubmissionFeed(start: number) {
  const items: Array<Record<string, unknown> & { SoThuTu: string }> = [];
  const files = new Map<string, Buffer>();
  let sequence = start;
  return {
    files,
    after: (cursor: number, limit: number) => items.filter((i) => Number(i.SoThuTu) > cursor).slice(0, limit),
    add(count: number, agencyCode: string, badHash: boolean) {
      const added: string[] = [];
      for (let n = 0; n < count; n++) {
        sequence += 1;
        const fileId = randomBytes(8).toString('hex');
        const content = Buffer.from(`%PDF-1.4 synthetic scan ${sequence} ${fileId}`);
        files.set(fileId, content);
        const hash = createHash('sha256').update(badHash ? 'something else' : content).digest('hex');
        const dossierCode = `${agencyCode}-DVC-${String(sequence).slice(-6).padStart(6, '0')}`;
        items.push({
          SoThuTu: String(sequence),
          MaHoSo: dossierCode,
          MaTTHC: '1.001612.000.00.00.H22',
          MaDonVi: agencyCode,
          NgayTiepNhan: toCompactVnTime(Date.now()),
          ChuHoSo: 'Hoàng Văn Nam',
          SoDinhDanh: '001090012345',
          SoDienThoai: '0987654321',
          TrichYeuHoSo: 'Đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ',
          TaiLieuNop: [{ TenTepDinhKem: 'don-de-nghi.pdf', DuongDanTaiTep: `/files/${fileId}`, MaHash: hash, LoaiTep: 'application/pdf' }],
        });
        added.push(dossierCode);
      }
      return added;
    },
  };
}
