import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { DeliveryError } from '../../src/delivery/delivery-error.ts';
import type { Envelope } from '../../src/messages/envelope.ts';
import { PortalIntegration, PortalRefusal, type IntegrationCallExtras } from './integration.ts';
import { dossierFieldsDigest, isStatusType, toDossierRecord, toPaymentRecord, toProgressRecord, toReceiptRecord } from './mapping.ts';
import { portalOptionsOf, type PortalOptions } from './options.ts';
import { ProcedureCatalog } from './procedure-catalog.ts';
import { ProgressBatcher } from './progress-batcher.ts';
import { PortalSession } from './session.ts';

/** A message's record of the calls it made, and (for a status update) its dossier's record. */
type MessageRecords = [Record<string, string>, Record<string, string> | undefined];

/** What the gateway remembers of a dossier the portal has: long enough for a dossier's whole life. */
const dossierRecordTtlMs = 400 * 24 * 3_600_000;
/** Which calls of a message already succeeded: as long as a message can still be retried or replayed. */
const messageRecordTtlMs = 30 * 24 * 3_600_000;

/**
 * Delivers to the National Public Service Portal as its public client does (DVCQGIntegrationActionImpl): one
 * session, one integration endpoint, services by name.
 *
 * The portal has no idempotency key, so effect-once rests on never repeating a call that succeeded: each call that
 * changes the portal is recorded in Redis the moment it is answered, and a retried message skips what is recorded.
 * What remains is the time between the portal's answer and that record (one Redis round trip): a worker killed
 * inside it repeats that one call on retry (README, "Protocols").
 *
 * A status update: a dossier the gateway has not synced, or whose dossier-level fields changed, is first looked up
 * (TraCuuHoSo), then synced (DongBoHoSoMC, isUpdating "True" when the portal has it) and recorded; only then is the
 * progress sent (CapNhatTienDoHoSoMC). A crash between the calls leaves no progress for a dossier the portal lacks.
 * A refusal of a dossier the gateway took on its record's word is checked with TraCuuHoSo: a portal that lost the
 * dossier gets it again, then the progress.
 */
export class NationalPortalClient implements DeliveryClient {
  private readonly options: PortalOptions;
  private readonly integration: PortalIntegration;
  private readonly procedures: ProcedureCatalog;
  private readonly progress: ProgressBatcher;

  constructor(private readonly context: ConnectorContext) {
    this.options = portalOptionsOf(context.destination.options);
    const { destinationName, destination, transport } = context;
    const session = new PortalSession(transport, this.options, destinationName, destination.timeoutMs);
    this.integration = new PortalIntegration(transport, this.options, session, destinationName, destination.timeoutMs);
    this.procedures = new ProcedureCatalog(this.integration, context.state, this.options.procedureCacheTtlMs, context.logger);
    this.progress = new ProgressBatcher(this.integration, this.options.progressBatchMax, context.signOutbound);
  }

  /**
   * Both records, read with the dossier's claim (one round trip): what this message already did, and what the portal
   * has of its dossier. Read after the claim on the same connection, they see whatever the dossier's previous message
   * wrote before it released the claim.
   */
  prepare(envelope: Envelope): Promise<MessageRecords> {
    return Promise.all([this.context.state.read(`message:${envelope.messageId}`), isStatusType(envelope.type) ? this.context.state.read(`dossier:${envelope.dossierCode}`) : undefined]);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const { envelope } = request;
    const extras: IntegrationCallExtras = { traceId: request.traceId, log: request.log, sign: this.context.signOutbound, notAfter: request.claimFresh };
    const [done, known] = await ((request.prepared as Promise<MessageRecords> | undefined) ?? this.prepare(envelope));
    if (isStatusType(envelope.type)) {
      if (!done.progress) {
        const trustedRecord = await this.ensureDossierSynced(envelope, known!, extras);
        // Sent with the progress of other dossiers waiting in this worker (one call, one signature), recorded per message.
        const sendProgress = () => this.progress.send(toProgressRecord(envelope), { traceId: request.traceId, log: request.log, notAfter: request.claimFresh });
        try {
          await sendProgress();
        } catch (err) {
          // The gateway's record can outlive the portal's copy (a portal restored from a backup, a province moved from
          // the portal's test environment to production, a restarted sandbox): the progress of a dossier the portal
          // lacks is refused. Only when the portal itself answers that it lacks it (not on a refused look-up) is the
          // dossier created again, from what this message knows, and the progress sent again, once.
          if (!trustedRecord || !(err instanceof PortalRefusal)) throw err;
          const found = await this.lookUp(envelope.dossierCode, extras);
          if (found === 'unknown') request.log?.warn('portal refused the progress of a dossier recorded as synced, and its look-up (TraCuuHoSo) did not say whether it has it: the refusal stands');
          if (found !== 'lacks') throw err;
          request.log?.warn('portal refused the progress of a dossier recorded as synced and does not have it: syncing it again');
          await this.syncDossier(envelope, 'False', extras);
          await sendProgress();
        }
        // Confirmed by the worker together with its attempt line (one round trip), before the job completes.
        return { statusCode: 200, recorded: this.context.state.write(`message:${envelope.messageId}`, { progress: String(Date.now()) }, messageRecordTtlMs) };
      }
    } else if (envelope.type === 'payment.result.v1') {
      if (!done.sent) await this.callOnce(envelope, 'sent', this.options.paymentService, { data: [toPaymentRecord(envelope)] }, extras);
    } else if (envelope.type === 'submission.receipt.v1') {
      if (!done.sent) await this.callOnce(envelope, 'sent', this.options.receiptService, { data: [toReceiptRecord(envelope)] }, extras);
    } else {
      throw new DeliveryError(`national-portal connector cannot deliver ${envelope.type}`, false);
    }
    return { statusCode: 200 };
  }

  /** One call that changes the portal, recorded as done the moment it succeeded. */
  private async callOnce(envelope: Envelope, step: string, service: string, fields: Record<string, unknown>, extras: IntegrationCallExtras): Promise<void> {
    await this.integration.call(service, fields, extras);
    await this.context.state.write(`message:${envelope.messageId}`, { [step]: String(Date.now()) }, messageRecordTtlMs);
  }

  /**
   * DongBoHoSoMC when the portal may lack the dossier or holds other dossier-level fields than this message. True when
   * the sync was skipped because the gateway's record says the portal has the dossier (the portal was not asked).
   */
  private async ensureDossierSynced(envelope: Envelope, known: Record<string, string>, extras: IntegrationCallExtras): Promise<boolean> {
    const digest = dossierFieldsDigest(envelope);
    if (known.synced && known.digest === digest) return true;
    // A v1 message knows too little of the dossier to correct it: sent again, it would blank what a v2 one told the portal.
    if (known.synced && envelope.type === 'dossier.status.v1') return true;
    // The public client's order: TraCuuHoSo (hasSyncDossier), then LayThuTuc inside createSyncDossierBodyRequest.
    const isUpdating = known.synced || (await this.portalHas(envelope.dossierCode, extras)) ? 'True' : 'False';
    await this.syncDossier(envelope, isUpdating, extras, digest);
    return false;
  }

  /** DongBoHoSoMC, then the dossier's record (the portal has it, with this message's dossier-level fields). */
  private async syncDossier(envelope: Envelope, isUpdating: 'True' | 'False', extras: IntegrationCallExtras, digest = dossierFieldsDigest(envelope)): Promise<void> {
    const names = await this.procedures.namesOf(String(envelope.payload.procedureCode), extras);
    const sync = (updating: 'True' | 'False') => this.integration.call('DongBoHoSoMC', { isUpdating: updating, data: [toDossierRecord(envelope, names)] }, extras);
    try {
      await sync(isUpdating);
    } catch (err) {
      // What the sync assumed may be untrue. A create refused: an earlier create of ours whose answer was lost (a
      // timeout, a crash) may have reached the portal after the look-up said "not there". An update refused: the
      // gateway's record may have outlived the portal's copy. Look (again): if the portal answers the other way, send
      // the other; a refused look-up proves nothing, and the sync's own refusal stands.
      if (!(err instanceof PortalRefusal)) throw err;
      const found = await this.lookUp(envelope.dossierCode, extras);
      if (isUpdating === 'False' && found === 'has') await sync('True');
      else if (isUpdating === 'True' && found === 'lacks') await sync('False');
      else throw err;
    }
    await this.context.state.write(`dossier:${envelope.dossierCode}`, { synced: '1', digest }, dossierRecordTtlMs);
  }

  /**
   * TraCuuHoSo {mahoso}, as the public client reads it (hasSyncDossier): a non-empty `result` means the portal has the
   * dossier, and a refusal (non-zero error_code) reads as "not there". HTTP errors and an unreachable portal are the
   * delivery's.
   */
  private async portalHas(dossierCode: string, extras: IntegrationCallExtras): Promise<boolean> {
    return (await this.lookUp(dossierCode, extras)) === 'has';
  }

  /**
   * TraCuuHoSo, telling the portal's own "not there" (`lacks`: a success with an empty `result`) from a look-up that
   * says nothing either way (`unknown`: refused, or a success without a `result` list).
   */
  private async lookUp(dossierCode: string, extras: IntegrationCallExtras): Promise<'has' | 'lacks' | 'unknown'> {
    try {
      const { result } = await this.integration.call('TraCuuHoSo', { mahoso: dossierCode }, extras);
      if (!Array.isArray(result)) return 'unknown';
      return result.length > 0 ? 'has' : 'lacks';
    } catch (err) {
      if (err instanceof PortalRefusal) return 'unknown';
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
