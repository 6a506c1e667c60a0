import type { Envelope } from '../../src/messages/envelope.ts';

/**
 * What the province's one-stop system receives for every event the gateway forwards to it: our own format (the
 * province builds this endpoint for the gateway), the same for every type, the type's payload under `data`.
 */
export interface ProvincialEvent {
  eventId: string;
  type: string;
  dossierCode: string;
  agencyCode: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export function toProvincialEvent(envelope: Envelope): ProvincialEvent {
  return {
    eventId: envelope.messageId,
    type: envelope.type,
    dossierCode: envelope.dossierCode,
    agencyCode: envelope.agencyCode,
    occurredAt: new Date(envelope.orderingTime).toISOString(),
    data: envelope.payload,
  };
}
