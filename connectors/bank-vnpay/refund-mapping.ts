import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import type { ExpectedPayment, RefundRequest } from '../../src/payments/payment-provider.ts';
import { portableOrderInfo } from './form-encoding.ts';
import type { VnpayOptions } from './options.ts';
import { pipeHash } from './secure-hash.ts';

/**
 * The refund API (vnp_Command=refund), POSTed as JSON to the same endpoint as querydr
 * (npm vnpay src/constants/api-endpoint.constant.ts QUERY_DR_REFUND_ENDPOINT = merchant_webapi/api/transaction).
 * Field order of both hashes from npm vnpay src/services/query.service.ts `QueryService.refund`.
 */
export const refundRequestHashFields = [
  'vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TransactionType', 'vnp_TxnRef', 'vnp_Amount',
  'vnp_TransactionNo', 'vnp_TransactionDate', 'vnp_CreateBy', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo',
] as const;

/** 13 fields: unlike querydr's answer, no vnp_PromotionCode/vnp_PromotionAmount. */
export const refundResponseHashFields = [
  'vnp_ResponseId', 'vnp_Command', 'vnp_ResponseCode', 'vnp_Message', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_Amount',
  'vnp_BankCode', 'vnp_PayDate', 'vnp_TransactionNo', 'vnp_TransactionType', 'vnp_TransactionStatus', 'vnp_OrderInfo',
] as const;

/** vnp_TransactionType of a refund (npm vnpay src/enums/index.ts RefundTransactionType). */
export const refundTransactionType = { full: '02', partial: '03' } as const;

/** The refund API's vnp_ResponseCode list (npm vnpay REFUND_RESPONSE_MAP), Vietnamese as VNPAY words it. */
export const refundResponseMessages: Record<string, string> = {
  '00': 'Yêu cầu thành công',
  '02': 'Mã định danh kết nối không hợp lệ (kiểm tra lại TmnCode)',
  '03': 'Dữ liệu gửi sang không đúng định dạng',
  '91': 'Không tìm thấy giao dịch yêu cầu hoàn trả',
  '94': 'Giao dịch đã được gửi yêu cầu hoàn tiền trước đó. Yêu cầu này VNPAY đang xử lý',
  '95': 'Giao dịch này không thành công bên VNPAY. VNPAY từ chối xử lý yêu cầu',
  '97': 'Checksum không hợp lệ',
  '99': 'Các lỗi khác (lỗi còn lại, không có trong danh sách mã lỗi đã liệt kê)',
};

export type RefundRequestBody = Record<Exclude<(typeof refundRequestHashFields)[number], 'vnp_Amount'>, string> & { vnp_Amount: number; vnp_SecureHash: string };

/**
 * The JSON body of a refund request. vnp_Amount is a number (VND × 100), as npm vnpay and VNPAY's Node.js
 * sample send it; the other fields are strings. vnp_TransactionDate is the pay request's vnp_CreateDate.
 */
export function toRefundRequest(payment: ExpectedPayment, refund: RefundRequest, options: VnpayOptions, now = Date.now(), orderInfo = `Hoan tien ${payment.paymentId}`): RefundRequestBody {
  const body = {
    vnp_RequestId: refund.refundId,
    vnp_Version: '2.1.0',
    vnp_Command: 'refund',
    vnp_TmnCode: options.tmnCode,
    vnp_TransactionType: refundTransactionType[refund.kind],
    vnp_TxnRef: payment.paymentId,
    vnp_Amount: refund.amount * 100,
    vnp_TransactionNo: payment.transactionNo ?? '0',
    vnp_TransactionDate: toCompactVnTime(payment.createdAt),
    vnp_CreateBy: portableOrderInfo(refund.requestedBy, 64) || 'gateway',
    vnp_CreateDate: toCompactVnTime(now),
    vnp_IpAddr: '127.0.0.1',
    vnp_OrderInfo: portableOrderInfo(orderInfo),
  };
  return { ...body, vnp_SecureHash: pipeHash(options.hashSecret, refundRequestHashFields.map((k) => body[k])) };
}

/**
 * A refund answer's vnp_SecureHash. The amount is hashed as VNPAY sends it (× 100). npm vnpay divides
 * vnp_Amount by 100 BEFORE hashing the answer (its test helper calculateRefundResponseHash says so), which
 * cannot be what VNPAY signs for every amount it sends ×100; we accept that reading too, so an answer VNPAY
 * signed either way is read, and either still needs the secret.
 */
export function refundAnswerHashes(secret: string, answer: Record<string, unknown>): string[] {
  const fields = (amount: unknown) => refundResponseHashFields.map((k) => (k === 'vnp_Amount' ? (amount as string | number | undefined) : (answer[k] as string | number | undefined)));
  const raw = pipeHash(secret, fields(answer.vnp_Amount));
  const amount = Number(answer.vnp_Amount);
  return Number.isFinite(amount) && amount !== 0 ? [raw, pipeHash(secret, fields(amount / 100))] : [raw];
}
