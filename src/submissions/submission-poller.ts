import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connections.ts';
import type { MessageLog } from '../audit/message-log.ts';
import type { Logger } from '../logging/logger.ts';
import { publishMessage, type PublishDeps } from '../messages/publish-message.ts';
import type { SchemaRegistry } from '../pipeline/validate-schema.ts';
import type { SubmissionSource, SubmittedDossier } from './submission-types.ts';
import { pollEvery } from '../polling/poll-every.ts';
import type { PollRecorder } from '../polling/poll-health.ts';
import { advanceCursor, pollRound, type PollLock } from '../polling/poll-round.ts';

export const submittedType = 'dossier.submitted.v1';
export const receiptType = 'submission.receipt.v1';

/** Moves the cursor only while this poller still holds the lock: a poller that lost it cannot rewind another's work. */

export interface SubmissionPollerDeps {
  redis: RedisClient;
  prefix: string;
  sourceName: string;
  source: SubmissionSource;
  schemas: SchemaRegistry;
  publish: PublishDeps;
  routes: Record<string, string[]>;
  messageLog: MessageLog;
  logger: Logger;
  batchSize: number;
  lockMs: number;
  /** Told of every round this poller ran: counted, and the time of the last good one kept (poll lag). */
  polls?: PollRecorder;
}

export interface PollResult {
  accepted: number;
  rejected: number;
}

/**
 * Polls a feed of online submissions with a cursor persisted in Redis, one poller at a time (a lock), so no
 * dossier is missed or handed on twice across restarts: each dossier is validated, its attachments' hashes are
 * checked against what the portal states, then it is queued to the province (dossier.submitted.v1) and a receipt
 * to the portal (submission.receipt.v1) with stable ids, and only then does the cursor move past it. A crash
 * between the two re-reads that dossier and publishes nothing new.
 */
export class SubmissionPoller {
  private readonly cursorKey: string;
  private readonly lock: PollLock;
  /** Polls that read the feed to its end: whoever waits for "the poller had its chance" (a test) counts these. */
  completedPolls = 0;

  constructor(private readonly deps: SubmissionPollerDeps) {
    this.cursorKey = `${deps.prefix}:submissions:${deps.sourceName}:cursor`;
    this.lock = { redis: deps.redis, key: `${deps.prefix}:submissions:${deps.sourceName}:lock`, ttlMs: deps.lockMs };
  }

  cursor(): Promise<string | null> {
    return this.deps.redis.get(this.cursorKey);
  }

  async pollOnce(): Promise<PollResult> {
    const result: PollResult = { accepted: 0, rejected: 0 };
    if (await pollRound(this.lock, this.deps.polls, (token) => this.readToEnd(token, result))) this.completedPolls += 1;
    return result;
  }

  /** Batches from the cursor on until a short one: the feed is read to its end, the cursor moved past each dossier. */
  private async readToEnd(token: string, result: PollResult): Promise<void> {
    for (;;) {
      const { dossiers, nextCursor } = await this.deps.source.fetch((await this.cursor()) ?? undefined, this.deps.batchSize);
      for (const item of dossiers) {
        const sequence = await this.handle(item, result);
        if (!(await advanceCursor(this.lock, this.cursorKey, token, sequence))) throw new Error('submission poll lock lost');
      }
      if (dossiers.length && nextCursor) await advanceCursor(this.lock, this.cursorKey, token, nextCursor);
      if (dossiers.length < this.deps.batchSize) return;
    }
  }

  /**
   * Dossiers the portal pushed: handled exactly like polled ones (same stable ids), so the poll that later reads the
   * same dossiers from the feed hands nothing on twice. The cursor is the poll's alone.
   */
  async receivePushed(items: unknown[]): Promise<PollResult> {
    const result: PollResult = { accepted: 0, rejected: 0 };
    for (const item of items) await this.handle(item, result);
    return result;
  }

  /** One dossier: accepted and queued on, or rejected (told to the portal, with the reason). Returns its sequence. */
  private async handle(item: unknown, result: PollResult): Promise<string> {
    let dossier: SubmittedDossier;
    try {
      dossier = this.deps.source.map(item);
      const raw = Buffer.from(JSON.stringify(dossier));
      this.deps.schemas.validate('dossier-submission.v1.json', { format: 'json', raw, document: dossier });
    } catch (err) {
      const sequence = String((item as { sequence?: unknown })?.sequence ?? (item as { SoThuTu?: unknown })?.SoThuTu ?? '');
      if (!sequence) throw new Error(`feed item without a sequence: ${(err as Error).message}`);
      const details = (err as { details?: unknown }).details;
      this.deps.logger.warn({ sequence, err: (err as Error).message, details }, 'online submission refused: invalid');
      await this.record(undefined, 'rejected:invalid');
      result.rejected += 1;
      return sequence;
    }
    const mismatch = await this.firstHashMismatch(dossier);
    const log = this.deps.logger.child({ dossierCode: dossier.dossierCode });
    const receivedAt = new Date().toISOString();
    const base = (type: string, payload: Record<string, unknown>) => ({
      type,
      partner: `portal:${this.deps.sourceName}`,
      agencyCode: dossier.agencyCode,
      dossierCode: dossier.dossierCode,
      traceId: createHash('sha256').update(dossier.dossierCode).digest('hex').slice(0, 32),
      orderingTime: Date.parse(dossier.submittedAt),
      orderingKey: `submission:${dossier.dossierCode}`,
      payload,
    });
    const eventName = (type: string) => `${type}|${this.deps.sourceName}|${dossier.dossierCode}|${dossier.sequence}`;
    if (mismatch) {
      log.warn({ attachment: mismatch }, 'online submission refused: attachment hash mismatch');
      const receipt = { dossierCode: dossier.dossierCode, agencyCode: dossier.agencyCode, status: 'rejected', reason: `ATTACHMENT_HASH_MISMATCH: ${mismatch}`, receivedAt };
      await publishMessage(this.deps.publish, base(receiptType, receipt), eventName(receiptType), this.deps.routes[receiptType] ?? []);
      await this.record(dossier, 'rejected:attachment-hash');
      result.rejected += 1;
      return dossier.sequence;
    }
    await publishMessage(this.deps.publish, base(submittedType, dossier as unknown as Record<string, unknown>), eventName(submittedType), this.deps.routes[submittedType] ?? []);
    const receipt = { dossierCode: dossier.dossierCode, agencyCode: dossier.agencyCode, status: 'received', receivedAt };
    await publishMessage(this.deps.publish, base(receiptType, receipt), eventName(receiptType), this.deps.routes[receiptType] ?? []);
    await this.record(dossier, 'accepted');
    log.info({ sequence: dossier.sequence, attachments: dossier.attachments.length }, 'online submission received');
    result.accepted += 1;
    return dossier.sequence;
  }

  /** The first attachment whose content does not hash to what the portal stated. A download failure throws: retried next poll. */
  private async firstHashMismatch(dossier: SubmittedDossier): Promise<string | undefined> {
    for (const attachment of dossier.attachments) {
      const content = await this.deps.source.download(attachment);
      if (createHash('sha256').update(content).digest('hex') !== attachment.sha256) return attachment.name;
    }
    return undefined;
  }

  private async record(dossier: SubmittedDossier | undefined, outcome: string): Promise<void> {
    await this.deps.messageLog
      .append({ direction: 'inbound', partner: `portal:${this.deps.sourceName}`, type: submittedType, outcome, body: dossier ? { dossierCode: dossier.dossierCode, sequence: dossier.sequence, applicant: dossier.applicant } : undefined })
      .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'message log append failed'));
  }

  start(intervalMs: number): () => Promise<void> {
    return pollEvery(intervalMs, () => this.pollOnce(), (err) => this.deps.logger.warn({ source: this.deps.sourceName, err: err.message }, 'submission poll failed; retried next round'));
  }
}
