import { createHash } from 'node:crypto';

/**
 * What the pipeline needs to know about one inbound message type: its schema, its XML root element, and how to
 * read the fields every message must expose (dossier, agency, ordering time, natural idempotency key).
 */
export interface InboundMessageType<D = Record<string, unknown>> {
  type: string;
  schemaFile: string;
  xmlRoot: string;
  dossierCodeOf(doc: D): string;
  agencyCodeOf(doc: D): string;
  orderingTimeOf(doc: D): number;
  /** Used when the partner sends no Idempotency-Key: the same business event gives the same key. */
  naturalKeyOf(doc: D): string;
  /** What orderingTime orders, when not the whole dossier (a shipment of it): see Envelope.orderingKey. */
  orderingKeyOf?(doc: D, messageId: string): string;
}

export interface DossierStatusV1 {
  dossierCode: string;
  procedureCode: string;
  agencyCode: string;
  status: number;
  statusTime: string;
  dueDate?: string;
  channel: 'online' | 'direct' | 'postal';
  note?: string;
  applicant?: { fullName: string; personalId?: string };
}

export const dossierStatusV1: InboundMessageType<DossierStatusV1> = {
  type: 'dossier.status.v1',
  schemaFile: 'dossier-status.v1.json',
  xmlRoot: 'DossierStatus',
  dossierCodeOf: (d) => d.dossierCode,
  agencyCodeOf: (d) => d.agencyCode,
  orderingTimeOf: (d) => Date.parse(d.statusTime),
  naturalKeyOf: (d) =>
    'derived-' + createHash('sha256').update(`${d.dossierCode}|${d.status}|${Date.parse(d.statusTime)}`).digest('hex').slice(0, 40),
};
