import type { ShipmentState } from '../../src/postal/postal-types.ts';

/**
 * VNPost's tracking StatusCode → our shipment state: the ONE table (README quotes it).
 *
 * VNPost's own code list is not public. The public client (VietOpenCPS opencps-v2) numbers a dossier's postal
 * status in VnpostCollectionTerm (VNPOSTAL_STAUS_0..4) and its VnPostScheduler compares the carrier's tracking
 * StatusCode with that numbering (code 4 → the dossier's status 4, "Hủy gom hồ sơ"). We read the carrier's codes
 * as that numbering. Code 0 ("không sử dụng dịch vụ", no service) is not a tracking event; any code not below is
 * logged and changes nothing.
 */
export const vnpostStatusTable: ReadonlyArray<{ code: number; vnpostMeaning: string; state: ShipmentState }> = [
  { code: 1, vnpostMeaning: 'đăng ký sử dụng dịch vụ (order registered)', state: 'accepted' },
  { code: 2, vnpostMeaning: 'đang đi gom hồ sơ (on its way: being collected / carried)', state: 'in-transit' },
  { code: 3, vnpostMeaning: 'đã giao hồ sơ (handed over)', state: 'delivered' },
  { code: 4, vnpostMeaning: 'hủy gom hồ sơ (cancelled)', state: 'cancelled' },
];

export const stateOfVnpostCode = (code: unknown): ShipmentState | undefined => vnpostStatusTable.find((row) => row.code === Number(code))?.state;

export function vnpostCodeOf(state: ShipmentState): number {
  const row = vnpostStatusTable.find((r) => r.state === state);
  if (!row) throw new Error(`no VNPost status code for "${state}"`);
  return row.code;
}
