import { hash } from 'node:crypto';

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
  /** XML lists: property → the element each item is wrapped in (`<fees><fee>…</fee></fees>`). */
  xmlLists?: Record<string, string>;
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

/** The same dossier, status and status time is the same business event. */
const statusEventKey = (prefix: string) => (d: { dossierCode: string; status: number; statusTime: string }) =>
  prefix + hash('sha256', `${d.dossierCode}|${d.status}|${Date.parse(d.statusTime)}`, 'hex').slice(0, 40);

export const dossierStatusV1: InboundMessageType<DossierStatusV1> = {
  type: 'dossier.status.v1',
  schemaFile: 'dossier-status.v1.json',
  xmlRoot: 'DossierStatus',
  dossierCodeOf: (d) => d.dossierCode,
  agencyCodeOf: (d) => d.agencyCode,
  orderingTimeOf: (d) => Date.parse(d.statusTime),
  naturalKeyOf: statusEventKey('derived-'),
};

export interface StatusDocument {
  name: string;
  documentId: string;
  url: string;
  partCode?: string;
}

/** dossier.status.v2: v1 plus what the portal's DongBoHoSoMC and CapNhatTienDoHoSoMC carry (schemas/dossier-status.v2.json). */
export interface DossierStatusV2 extends Omit<DossierStatusV1, 'note' | 'applicant'> {
  agencyName?: string;
  receivedAt?: string;
  returnedAt?: string;
  processingEndedAt?: string;
  summary?: string;
  applicant?: { fullName: string; kind?: 'citizen' | 'business'; personalId?: string; portalAccountId?: string; email?: string; phone?: string; fax?: string };
  handling?: { handlerName?: string; handlerTitle?: string; department?: string; note?: string; startedAt?: string; legalDueDate?: string };
  fees?: Array<{ code: string; name: string; amount: number; collection?: string; kind?: string }>;
  submittedDocuments?: StatusDocument[];
  resultDocuments?: StatusDocument[];
}

export const dossierStatusV2: InboundMessageType<DossierStatusV2> = {
  ...(dossierStatusV1 as unknown as InboundMessageType<DossierStatusV2>),
  type: 'dossier.status.v2',
  schemaFile: 'dossier-status.v2.json',
  xmlRoot: 'DossierStatusV2',
  naturalKeyOf: statusEventKey('derived-v2-'),
  xmlLists: { fees: 'fee', submittedDocuments: 'document', resultDocuments: 'document' },
};
