import type { ConnectorState } from '../../src/connectors/connector-state.ts';
import { DeliveryError } from '../../src/delivery/delivery-error.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { PortalRefusal, type IntegrationCallExtras, type PortalIntegration } from './integration.ts';

/** The names DongBoHoSoMC carries that only the portal knows: from `LayThuTuc {maTTHC}`. */
export interface ProcedureNames {
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc: string;
}

/** A cached answer is still used this long past its freshness when the portal cannot be asked (it changes rarely). */
const staleUseMs = 30 * 24 * 3_600_000;

/**
 * Procedure names from the portal's own catalogue, as the public client reads them (createSyncDossierBodyRequest:
 * `result[0].TENTTHC`, `LINHVUCTHUCHIEN[0].MALINHVUC / TENLINHVUC`), cached in Redis for every worker.
 * Policy: fresh for `ttlMs`; when the portal cannot be reached, a cached answer up to 30 days old is used; otherwise the
 * failure is the delivery's (an unreachable portal is retried, a refusal is permanent). A procedure the portal does not know is a permanent refusal: the public client would
 * send blank names, which the portal cannot file; an operator must correct the procedure code.
 */
export class ProcedureCatalog {
  constructor(
    private readonly integration: PortalIntegration,
    private readonly state: ConnectorState,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  async namesOf(procedureCode: string, extras: IntegrationCallExtras): Promise<ProcedureNames> {
    const key = `procedure:${procedureCode}`;
    const cached = await this.state.read(key);
    const age = Date.now() - Number(cached.fetchedAt ?? 0);
    if (cached.TenTTHC !== undefined && age < this.ttlMs) return namesFrom(cached);
    let answer;
    try {
      answer = await this.integration.call('LayThuTuc', { maTTHC: procedureCode }, extras);
    } catch (err) {
      if (cached.TenTTHC !== undefined && !(err instanceof PortalRefusal)) {
        (extras.log ?? this.logger).warn({ procedureCode, err: (err as Error).message }, 'LayThuTuc failed: using the cached procedure names');
        return namesFrom(cached);
      }
      throw err;
    }
    const first = Array.isArray(answer.result) ? (answer.result[0] as Record<string, unknown> | undefined) : undefined;
    if (!first) throw new DeliveryError(`procedure ${procedureCode} is unknown at the portal (LayThuTuc found nothing)`, false, 200, undefined, JSON.stringify(answer).slice(0, 2000));
    const field = (Array.isArray(first.LINHVUCTHUCHIEN) ? first.LINHVUCTHUCHIEN[0] : undefined) as Record<string, unknown> | undefined;
    const names: ProcedureNames = { TenTTHC: String(first.TENTTHC ?? ''), MaLinhVuc: String(field?.MALINHVUC ?? ''), TenLinhVuc: String(field?.TENLINHVUC ?? '') };
    await this.state.write(key, { ...names, fetchedAt: String(Date.now()) }, this.ttlMs + staleUseMs);
    return names;
  }
}

const namesFrom = (r: Record<string, string>): ProcedureNames => ({ TenTTHC: r.TenTTHC ?? '', MaLinhVuc: r.MaLinhVuc ?? '', TenLinhVuc: r.TenLinhVuc ?? '' });
