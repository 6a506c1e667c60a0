import { Pool } from 'undici';
import { ClientCredentialsToken } from '../../src/connectors/client-credentials.ts';
import type { ConnectorContext } from '../../src/connectors/connector-types.ts';
import type { SubmissionSource, SubmittedAttachment, SubmittedDossier } from '../../src/submissions/submission-types.ts';
import { fromCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { portalOptionsOf, type PortalOptions } from './options.ts';

/** Attachments larger than this are refused (a dossier's scans are a few MB). */
const maxAttachmentBytes = 20 * 1024 * 1024;

/** One item of the portal's feed of new online dossiers (DongBoHoSoMC field names; the feed itself is our profile). */
interface PortalFeedItem {
  SoThuTu: string;
  MaHoSo: string;
  MaTTHC: string;
  MaDonVi: string;
  NgayTiepNhan: string;
  ChuHoSo: string;
  SoDinhDanh?: string;
  SoDienThoai?: string;
  Email?: string;
  DiaChi?: string;
  TrichYeuHoSo?: string;
  TaiLieuNop?: Array<{ TenTepDinhKem: string; DuongDanTaiTep: string; MaHash: string; LoaiTep?: string }>;
}

/**
 * The portal's feed of dossiers citizens filed online: read with the same OAuth2 client as the sync services,
 * after a cursor, oldest first. Attachments are fetched only from the portal's own origin (no SSRF through a
 * crafted URL) and capped in size.
 */
export class PortalSubmissionSource implements SubmissionSource {
  private readonly pool: Pool;
  private readonly options: PortalOptions;
  private readonly token: ClientCredentialsToken;
  private readonly origin: string;

  constructor(private readonly context: ConnectorContext) {
    this.options = portalOptionsOf(context.destination.options);
    this.pool = new Pool(context.destination.baseUrl, { connections: 4 });
    this.token = new ClientCredentialsToken(this.pool, { name: `${context.destinationName} submissions`, ...this.options, timeoutMs: context.destination.timeoutMs });
    this.origin = new URL(context.destination.baseUrl).origin;
  }

  async fetch(cursor: string | undefined, limit: number): Promise<{ dossiers: unknown[]; nextCursor: string | undefined }> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const answer = (await this.get(`${this.options.submissionsPath}?${query}`, 'json')) as { items?: unknown[]; nextCursor?: string };
    if (!Array.isArray(answer.items)) throw new Error('portal feed answered without items');
    return { dossiers: answer.items, nextCursor: answer.nextCursor };
  }

  map(item: unknown): SubmittedDossier {
    const d = item as PortalFeedItem;
    const submittedAt = fromCompactVnTime(String(d.NgayTiepNhan));
    if (!submittedAt) throw new Error('NgayTiepNhan is not yyyyMMddHHmmss');
    return {
      sequence: String(d.SoThuTu),
      dossierCode: d.MaHoSo,
      procedureCode: d.MaTTHC,
      agencyCode: d.MaDonVi,
      submittedAt,
      applicant: {
        fullName: d.ChuHoSo,
        ...(d.SoDinhDanh ? { personalId: d.SoDinhDanh } : {}),
        ...(d.SoDienThoai ? { phone: d.SoDienThoai } : {}),
        ...(d.Email ? { email: d.Email } : {}),
        ...(d.DiaChi ? { address: d.DiaChi } : {}),
      },
      ...(d.TrichYeuHoSo ? { summary: d.TrichYeuHoSo } : {}),
      attachments: (d.TaiLieuNop ?? []).map((a) => ({ name: a.TenTepDinhKem, url: new URL(a.DuongDanTaiTep, this.origin).href, sha256: String(a.MaHash).toLowerCase(), ...(a.LoaiTep ? { contentType: a.LoaiTep } : {}) })),
    };
  }

  async download(attachment: SubmittedAttachment): Promise<Buffer> {
    const url = new URL(attachment.url, this.origin);
    if (url.origin !== this.origin) throw new Error(`attachment ${attachment.name} is not on the portal (${url.origin})`);
    return (await this.get(url.pathname + url.search, 'bytes')) as Buffer;
  }

  private async get(path: string, as: 'json' | 'bytes'): Promise<unknown> {
    const token = await this.token.get();
    const res = await this.pool.request({ path, method: 'GET', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.context.destination.timeoutMs) });
    if (res.statusCode === 401) this.token.invalidate(token);
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`portal answered HTTP ${res.statusCode} for ${path.split('?')[0]}`);
    }
    if (as === 'json') return res.body.json();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxAttachmentBytes) throw new Error(`attachment larger than ${maxAttachmentBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
