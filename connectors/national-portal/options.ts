import { optionReader } from '../../src/connectors/connector-options.ts';

/**
 * Connector options of a national-portal destination (config `destinations.<name>.options`), named after the
 * public client's configuration (VietOpenCPS opencps-v2, DVCQGIntegrationActionImpl: `adapter_url`, `auth_endpoint`,
 * `integration_endpoint`, `username`, `password`, `dstcode`, `madonvi`), so a province moving from it copies its
 * values across. `adapter_url` is the destination's `baseUrl`.
 */
export interface PortalOptions {
  authEndpoint: string;
  integrationEndpoint: string;
  username: string;
  password: string;
  /** Sent as the `dstcode` header of every call. */
  dstcode: string;
  /** The province's unit code at the portal: `madonvi` of every call. */
  madonvi: string;
  /** How long a procedure's names from LayThuTuc are used before being asked again (default 24 h). */
  procedureCacheTtlMs: number;
  /** Our profile (no public source): the service that lists dossiers citizens filed online, and receipts of them. */
  submissionsService: string;
  receiptService: string;
  /** Our profile (no public source): fee payment results. */
  paymentService: string;
  /**
   * At most this many progress updates (of different dossiers, ready in this worker at the same moment) in one
   * CapNhatTienDoHoSoMC call (default 8, the destination's default concurrency); 1 sends each alone.
   */
  progressBatchMax: number;
}

export function portalOptionsOf(options: Record<string, unknown>): PortalOptions {
  const { text } = optionReader('national-portal', options);
  const ttl = options.procedureCacheTtlMs;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0)) {
    throw new Error('national-portal connector: options.procedureCacheTtlMs must be a non-negative integer');
  }
  const batchMax = options.progressBatchMax;
  if (batchMax !== undefined && (typeof batchMax !== 'number' || !Number.isInteger(batchMax) || batchMax < 1 || batchMax > 500)) {
    throw new Error('national-portal connector: options.progressBatchMax must be an integer from 1 to 500');
  }
  return {
    authEndpoint: text('authEndpoint'),
    integrationEndpoint: text('integrationEndpoint'),
    username: text('username'),
    password: text('password'),
    dstcode: text('dstcode'),
    madonvi: text('madonvi'),
    procedureCacheTtlMs: (ttl as number | undefined) ?? 24 * 3_600_000,
    submissionsService: text('submissionsService', 'LayDanhSachHoSoTrucTuyen'),
    receiptService: text('receiptService', 'XacNhanNhanHoSo'),
    paymentService: text('paymentService', 'CapNhatThanhToanHoSoMC'),
    progressBatchMax: (batchMax as number | undefined) ?? 8,
  };
}
