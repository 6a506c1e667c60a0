import type { CallbackRequest } from '../payments/payment-provider.ts';

/** Our shipment states; each carrier's status codes are mapped to them in its connector. */
export type ShipmentState = 'created' | 'accepted' | 'picked-up' | 'in-transit' | 'delivery-failed' | 'delivered' | 'returned';

export const shipmentStates: ShipmentState[] = ['created', 'accepted', 'picked-up', 'in-transit', 'delivery-failed', 'delivered', 'returned'];

/** One tracking event, after the carrier's signature was checked and its codes mapped. */
export interface TrackingEvent {
  /** Our shipment id (the message id of the shipment request), which the carrier knows as its order number. */
  shipmentId: string;
  trackingNumber: string;
  /** The carrier's id of this event: the same event twice is applied once. */
  eventId: string;
  state: ShipmentState;
  occurredAt: string;
  carrierStatus: string;
  note?: string;
  location?: string;
}

export type TrackingVerdict = 'accepted' | 'invalid-signature' | 'malformed' | 'error';

export interface TrackingReceiver {
  /** Verifies the callback per the carrier's profile and reads its events; throws CallbackRefused. */
  readCallback(request: CallbackRequest): Promise<TrackingEvent[]>;
  reply(verdict: TrackingVerdict, counts?: { received: number; applied: number }): { statusCode: number; body: unknown };
}
