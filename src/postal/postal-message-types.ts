import { createHash } from 'node:crypto';
import type { InboundMessageType } from '../pipeline/message-types.ts';

export interface PostalParty {
  fullName: string;
  phone: string;
  address: string;
  provinceCode: string;
  districtCode: string;
  email?: string;
}

export interface PostalShipmentV1 {
  dossierCode: string;
  agencyCode: string;
  kind: 'pickup' | 'delivery';
  citizen: PostalParty;
  office: PostalParty;
  codAmount?: number;
  weightGrams?: number;
  description?: string;
}

/** POST /v1/postal/shipments: queued to the carrier's destination; the message id is the shipment id. */
export const postalShipmentV1: InboundMessageType<PostalShipmentV1> = {
  type: 'postal.shipment.v1',
  schemaFile: 'postal-shipment.v1.json',
  xmlRoot: 'PostalShipment',
  dossierCodeOf: (d) => d.dossierCode,
  agencyCodeOf: (d) => d.agencyCode,
  orderingTimeOf: () => Date.now(),
  // One pickup and one delivery per dossier; asking again for the same is the same shipment.
  naturalKeyOf: (d) => 'derived-' + createHash('sha256').update(`${d.dossierCode}|${d.kind}`).digest('hex').slice(0, 40),
  // Shipments are independent of each other and of the dossier's status updates.
  orderingKeyOf: (_d, messageId) => `shipment:${messageId}`,
};

export const shipmentCreatedType = 'postal.shipment.created.v1';
export const trackingEventType = 'postal.tracking.v1';
