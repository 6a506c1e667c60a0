import type { DeliveryRequest } from '../connectors/connector-types.ts';
import type { PostalShipmentV1 } from './postal-message-types.ts';
import type { CancelOutcome, ShipmentState } from './postal-types.ts';

/** One record of the carrier's tracking feed, its status code mapped (or not: `state` undefined). */
export interface CarrierTrackingRecord {
  /** The record's id in the feed: the cursor moves past it, and the same id twice is one event. */
  id: string;
  orderNumber?: string;
  trackingNumber?: string;
  /** Undefined when the carrier's code is not in the connector's table. */
  state?: ShipmentState;
  carrierStatus: string;
  statusMessage?: string;
  occurredAt: string;
}

/** The tracking feed a carrier offers: records after `cursor`, oldest id first. */
export interface TrackingPage {
  records: CarrierTrackingRecord[];
}

/**
 * The port of a postal carrier (connectors/<carrier>/): creates orders, lets the gateway pull its tracking feed, and
 * cancels. The core keeps the shipments (shipment-store.ts), polls (tracking-poller.ts) and answers partners.
 */
export interface PostalCarrier {
  /** The order number the carrier will know this shipment by (stable: a retried creation is the same order). */
  orderNumberOf(shipment: PostalShipmentV1): string;
  /** Creates the order; throws DeliveryError (retryable or not). */
  createOrder(shipment: PostalShipmentV1, request: DeliveryRequest): Promise<{ statusCode: number; carrierStatus?: string; message?: string }>;
  /** The feed after `cursor` (undefined: from its start), at most the carrier's page size. Throws when unreadable. */
  readTracking(cursor: string | undefined): Promise<TrackingPage>;
  /** Asks the carrier to cancel; a refusal is an outcome, a failure to reach it throws. */
  cancel(orderNumber: string): Promise<Omit<CancelOutcome, 'at'>>;
  /** How often the feed is read, and how many records a read asks for. */
  readonly tracking: { intervalMs: number; pageSize: number };
  close(): Promise<void>;
}
