import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Envelope } from '../../src/messages/envelope.ts';
import type { PostalShipmentV1 } from '../../src/postal/postal-message-types.ts';
import type { ShipmentState } from '../../src/postal/postal-types.ts';

/**
 * VNPost's order fields follow VietOpenCPS' integration (domain.md). For a pickup the citizen sends and the agency
 * receives; for a delivery it is the other way round. The status code list is not public: ours is below.
 */
export function toVnpostOrder(envelope: Envelope, customerCode: string): Record<string, unknown> {
  const s = envelope.payload as unknown as PostalShipmentV1;
  const [sender, receiver] = s.kind === 'pickup' ? [s.citizen, s.office] : [s.office, s.citizen];
  return {
    CustomerCode: customerCode,
    OrderNumber: envelope.messageId,
    ServiceCode: 'HCC', // hành chính công: the public-administration service
    CODAmount: s.codAmount ?? 0,
    Weight: s.weightGrams ?? 500,
    Description: s.description ?? `Ho so ${s.dossierCode} (${s.kind === 'pickup' ? 'thu gom' : 'tra ket qua'})`,
    SenderName: sender.fullName,
    SenderTel: sender.phone,
    SenderAddress: sender.address,
    SenderProvince: sender.provinceCode,
    SenderDistrict: sender.districtCode,
    SenderEmail: sender.email ?? '',
    ReceiverName: receiver.fullName,
    ReceiverTel: receiver.phone,
    ReceiverAddress: receiver.address,
    ReceiverProvince: receiver.provinceCode,
    ReceiverDistrict: receiver.districtCode,
    ReceiverEmail: receiver.email ?? '',
  };
}

/** The carrier's tracking status codes (our profile) → our states. */
export const statusCodes: Record<string, ShipmentState> = {
  '100': 'accepted',
  '200': 'picked-up',
  '300': 'in-transit',
  '500': 'delivery-failed',
  '400': 'delivered',
  '600': 'returned',
};
export const codeOf = (state: ShipmentState) => Object.entries(statusCodes).find(([, s]) => s === state)![0];

/** X-VNPost-Signature: hex HMAC-SHA256 over `<X-VNPost-Timestamp>.<raw body>`. */
export const callbackSignature = (secret: string, timestamp: string, body: Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

export function sameSignature(expected: string, given: string | undefined): boolean {
  if (!given || !/^[0-9a-f]{64}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given.toLowerCase(), 'hex'));
}
