import type { CarrierTrackingRecord } from '../../src/postal/postal-carrier.ts';
import { stateOfVnpostCode } from './status-codes.ts';

/**
 * The first `lastId` of a read from the feed's start, as VNPostGetOrderModel documents it ("trong lần gọi đầu tiên,
 * đặt lastId = 000000000000000000000000"): ids are MongoDB ObjectIds, the feed a RESTHeart collection.
 */
export const feedStart = '000000000000000000000000';

/** One record as the SDK's MRhDoc reads it (Gson names). */
export interface VnpostTrackingDoc {
  _id?: { $oid?: string };
  CustomerCode?: string;
  OrderNumber?: string;
  /** Epoch milliseconds (a Java Long in MRhDoc). */
  EventTime?: number;
  POSID?: string;
  ItemCode?: string;
  StatusCode?: number;
  StatusMessage?: string;
  Notes?: string;
}

/** A page as the SDK's MStatus reads it: RESTHeart's `_size`, `_total_pages`, `_returned`, `_embedded["rh:doc"]`. */
export interface VnpostTrackingPage {
  _size?: number;
  _total_pages?: number;
  _returned?: number;
  _embedded?: { 'rh:doc'?: VnpostTrackingDoc[] };
}

/** Reads a page; a record without an id cannot be stepped past and fails the read (retried next round). */
export function readTrackingPage(page: VnpostTrackingPage): CarrierTrackingRecord[] {
  const docs = page?._embedded?.['rh:doc'] ?? [];
  if (!Array.isArray(docs)) throw new Error('tracking page: _embedded["rh:doc"] is not a list');
  return docs.map((doc, i) => {
    const id = doc?._id?.$oid;
    if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) throw new Error(`tracking page: record ${i} has no _id.$oid`);
    const time = typeof doc.EventTime === 'number' && Number.isFinite(doc.EventTime) ? new Date(doc.EventTime).toISOString() : '';
    return {
      id: id.toLowerCase(),
      orderNumber: typeof doc.OrderNumber === 'string' && doc.OrderNumber ? doc.OrderNumber : undefined,
      trackingNumber: typeof doc.ItemCode === 'string' && doc.ItemCode ? doc.ItemCode : undefined,
      state: stateOfVnpostCode(doc.StatusCode),
      carrierStatus: String(doc.StatusCode ?? ''),
      statusMessage: typeof doc.StatusMessage === 'string' ? doc.StatusMessage : undefined,
      occurredAt: time,
    };
  });
}
