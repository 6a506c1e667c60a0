import type { ConnectorContext } from '../../src/connectors/connector-types.ts';
import type { SubmissionSource, SubmittedAttachment, SubmittedDossier } from '../../src/submissions/submission-types.ts';
import { fromCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { PortalIntegration } from './integration.ts';
import { portalOptionsOf, type PortalOptions } from './options.ts';
import { PortalSession } from './session.ts';

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
 * The portal's feed of dossiers citizens filed online (our profile: no public source shows one): a service on the
 * same integration endpoint and session as the sync services, read after a cursor, oldest first. Attachments are
 * fetched only from the portal's own origin (no SSRF through a crafted URL), with the session, capped in size.
 */
export class PortalSubmissionSource implements SubmissionSource {
  private readonly options: PortalOptions;
  private readonly session: PortalSession;
  private readonly integration: PortalIntegration;
  private readonly origin: string;

  constructor(private readonly context: ConnectorContext) {
    this.options = portalOptionsOf(context.destination.options);
    const name = `${context.destinationName} submissions`;
    this.session = new PortalSession(context.transport, this.options, name, context.destination.timeoutMs);
    this.integration = new PortalIntegration(context.transport, this.options, this.session, name, context.destination.timeoutMs);
    this.origin = new URL(context.destination.baseUrl ?? 'http://portal.invalid').origin;
  }

  async fetch(cursor: string | undefined, limit: number): Promise<{ dossiers: unknown[]; nextCursor: string | undefined }> {
    const answer = await this.integration.call(this.options.submissionsService, { limit, ...(cursor ? { cursor } : {}) });
    if (!Array.isArray(answer.result)) throw new Error('portal feed answered without a result list');
    return { dossiers: answer.result, nextCursor: answer.nextCursor === undefined ? undefined : String(answer.nextCursor) };
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
    const session = await this.session.get();
    const res = await this.context.transport.call({
      operation: 'attachment',
      method: 'GET',
      path: url.pathname + url.search,
      headers: { session, dstcode: this.options.dstcode },
      timeoutMs: this.context.destination.timeoutMs,
      maxBytes: maxAttachmentBytes,
    });
    if (res.statusCode === 401) this.session.invalidate(session);
    if (res.statusCode !== 200) throw new Error(`portal answered HTTP ${res.statusCode} for ${url.pathname}`);
    return res.bytes;
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
