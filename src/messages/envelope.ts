/**
 * What the gateway stores and delivers for one accepted message: the validated payload plus everything the
 * worker, the audit trail and the status API need. It is the BullMQ job's data.
 */
export interface Envelope<P = Record<string, unknown>> {
  messageId: string;
  /** Versioned message type, e.g. "dossier.status.v1"; picks the schema and the route. */
  type: string;
  partner: string;
  agencyCode: string;
  dossierCode: string;
  /** The partner's key (header or derived); deduplication is per partner and key. */
  idempotencyKey: string;
  /** A header key reused with another body is a conflict; a derived key names the business event, so a match is a duplicate. */
  idempotencyKeySource: 'header' | 'derived';
  /** SHA-256 of the raw body: the same key with another body is a conflict, not a duplicate. */
  bodySha256: string;
  traceId: string;
  receivedAt: string;
  /** Orders messages of one dossier at a destination: an older one never overtakes a newer one. */
  orderingTime: number;
  /**
   * What orderingTime orders: the dossier by default. Messages of another stream of the same dossier (one payment,
   * one postal shipment) name their own key, so a newer status update never supersedes a payment result.
   */
  orderingKey?: string;
  signer?: { fingerprint256: string; subject: string };
  /** Set on a copy an operator re-delivered: the messageId of the original. */
  replayOf?: string;
  /** When an operator last sent this dead letter back to its queue: its retry budget counts from here. */
  retriedAt?: string;
  /**
   * Set when the message's dossier-timeline entry was written in the same script as its job (one Redis server): its
   * worker need not write it again while it cannot have expired (DossierTimeline.needsRepair). Absent, the worker
   * indexes it before delivery (the repair of a write that failed).
   */
  timelineIndexed?: true;
  payload: P;
}

export type MessageState = 'queued' | 'delivering' | 'delivered' | 'superseded' | 'dead';

/** What the worker returns when a job completes; BullMQ stores it as the job's return value. */
export interface DeliveryOutcome {
  outcome: 'delivered' | 'superseded';
  statusCode?: number;
  deliveredAt: string;
  /** For superseded: the orderingTime of the newer message already delivered. */
  supersededBy?: number;
  /** What the delivery produced and queued on (e.g. the carrier's tracking number). */
  produced?: Array<Record<string, unknown>>;
}

/** One line of a job's attempt history, kept in the BullMQ job log. */
export interface AttemptRecord {
  attempt: number;
  at: string;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'permanent' | 'circuit-open';
  statusCode?: number;
  error?: string;
  /** When the message will be tried again (absent when this attempt ended it). */
  nextAttemptAt?: string;
}
