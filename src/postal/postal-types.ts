/** Our shipment states; each carrier's status codes are mapped to them in its connector (one table per carrier). */
export type ShipmentState = 'created' | 'accepted' | 'in-transit' | 'delivered' | 'cancelled';

/** In journey order: at the same instant, the later step wins (the rank in apply-tracking-event.lua). */
export const shipmentStates: ShipmentState[] = ['created', 'accepted', 'in-transit', 'delivered', 'cancelled'];

/** One tracking event of a shipment the gateway created, after the carrier's codes were mapped. */
export interface TrackingEvent {
  /** Our shipment id (the message id of the shipment request). */
  shipmentId: string;
  /** The carrier's order number for it. */
  orderNumber: string;
  trackingNumber?: string;
  /** The carrier's id of this event: the same event twice is applied once. */
  eventId: string;
  state: ShipmentState;
  occurredAt: string;
  carrierStatus: string;
  statusMessage?: string;
}

/** What the gateway keeps about a shipment once the carrier is asked for it: tracking events need nothing else. */
export interface ShipmentRecord {
  shipmentId: string;
  carrier: string;
  orderNumber: string;
  partner: string;
  agencyCode: string;
  dossierCode: string;
  kind: 'pickup' | 'delivery';
}

/** A cancellation asked of the carrier, as it answered. */
export interface CancelOutcome {
  outcome: 'cancelled' | 'refused';
  /** HTTP status of the carrier's answer. */
  statusCode: number;
  carrierStatus?: string;
  message?: string;
  at: string;
}
