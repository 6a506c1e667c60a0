import type { PostalShipmentV1 } from '../../src/postal/postal-message-types.ts';

/**
 * The body of VNPost's `order/post` as the public client builds it: the SDK's MOrder (VNPostNGSPSDK.jar,
 * vn.mitc.ngsp.sdk.models.MOrder), serialised by Gson with serializeNulls, so every field is present, in this order,
 * absent ones as null. Province and district are VNPost's postal codes as integers, CODAmount a number.
 */
export interface VnpostOrderBody {
  CustomerCode: string;
  OrderNumber: string;
  CODAmount: number;
  SenderProvince: number;
  SenderDistrict: number;
  SenderAddress: string;
  SenderName: string;
  SenderEmail: string | null;
  SenderTel: string;
  SenderDesc: string | null;
  Description: string | null;
  ReceiverName: string;
  ReceiverAddress: string;
  ReceiverTel: string;
  ReceiverProvince: number;
  ReceiverDistrict: number;
  ReceiverEmail: string | null;
}

/**
 * The order number VNPost knows a shipment by. A result delivery is the dossier number (VNPostManagementImpl
 * .sendPostalRequest gets `orderNumber` = DossierNo from VnpostEvent). A pickup takes the dossier number plus a
 * `__` suffix, as VnpostCollectionEvent does, so the dossier's pickup and its later delivery are two orders; the
 * public client appends Math.random(), we append "pickup" so that a retried creation is the same order.
 */
export const vnpostOrderNumberOf = (shipment: Pick<PostalShipmentV1, 'dossierCode' | 'kind'>) =>
  shipment.kind === 'pickup' ? `${shipment.dossierCode}__pickup` : shipment.dossierCode;

/**
 * Our shipment → MOrder. A delivery goes from the agency to the citizen (sendPostalRequest); a pickup ("thu gom",
 * sendCollectionVNPostalRequest) from the citizen to the agency: sender and receiver swap.
 */
export function toVnpostOrderBody(shipment: PostalShipmentV1, customerCode: string): VnpostOrderBody {
  const [sender, receiver] = shipment.kind === 'pickup' ? [shipment.citizen, shipment.office] : [shipment.office, shipment.citizen];
  // Spelled out in MOrder's field order: Gson writes the fields as the class declares them.
  return {
    CustomerCode: customerCode,
    OrderNumber: vnpostOrderNumberOf(shipment),
    CODAmount: shipment.codAmount ?? 0,
    SenderProvince: Number(sender.provinceCode),
    SenderDistrict: Number(sender.districtCode),
    SenderAddress: sender.address,
    SenderName: sender.fullName,
    SenderEmail: sender.email ?? null,
    SenderTel: sender.phone,
    // "Thành phần hồ sơ" (what is in the envelope): the dossier's papers; "Ghi chú": the partner's note, if any.
    SenderDesc: `Hồ sơ ${shipment.dossierCode}`,
    Description: shipment.description ?? null,
    ReceiverName: receiver.fullName,
    ReceiverAddress: receiver.address,
    ReceiverTel: receiver.phone,
    ReceiverProvince: Number(receiver.provinceCode),
    ReceiverDistrict: Number(receiver.districtCode),
    ReceiverEmail: receiver.email ?? null,
  };
}
