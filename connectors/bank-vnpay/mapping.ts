import type { CallbackVerdict, ExpectedPayment, PaymentReview, ProviderStatement } from '../../src/payments/payment-provider.ts';
import { CallbackRefused } from '../../src/payments/payment-provider.ts';
import { fromCompactVnTime, toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { portableOrderInfo } from './form-encoding.ts';
import { pipeHash } from './secure-hash.ts';
import type { VnpayOptions } from './options.ts';

/** Our expected payment → the provider's pay-request parameters (amounts are VND × 100). */
export function toPayParams(payment: ExpectedPayment, options: VnpayOptions): Record<string, string> {
  return {
    vnp_Version: '2.1.0',
    vnp_Command: 'pay',
    vnp_TmnCode: options.tmnCode,
    vnp_Amount: String(payment.amount * 100),
    vnp_CurrCode: payment.currency,
    vnp_TxnRef: payment.paymentId,
    vnp_OrderInfo: portableOrderInfo(payment.description),
    vnp_OrderType: 'other',
    vnp_Locale: options.locale,
    vnp_ReturnUrl: payment.returnUrl,
    vnp_IpAddr: '127.0.0.1',
    vnp_CreateDate: toCompactVnTime(payment.createdAt),
    vnp_ExpireDate: toCompactVnTime(payment.expiresAt),
  };
}

const required = ['vnp_TmnCode', 'vnp_Amount', 'vnp_TxnRef', 'vnp_ResponseCode', 'vnp_TransactionStatus', 'vnp_TransactionNo', 'vnp_PayDate'];

/**
 * Codes that mean money may have left the citizen's account but the provider flags the payment
 * (npm vnpay src/constants/response-map.constant.ts): vnp_ResponseCode 07 "Trừ tiền thành công. Giao dịch bị nghi
 * ngờ … cần merchant xác nhận", vnp_TransactionStatus 04 "Giao dịch đảo (khách hàng đã bị trừ tiền tại Ngân hàng
 * nhưng GD chưa thành công ở VNPAY)" and 07 "Giao dịch bị nghi ngờ gian lận". Neither paid nor failed: an operator decides.
 */
export function reviewReasonOf(responseCode: string, transactionStatus: string): PaymentReview['reason'] | undefined {
  if (transactionStatus === '04') return 'reversed';
  if (transactionStatus === '07') return 'suspected-fraud';
  if (responseCode === '07') return 'suspect';
  return undefined;
}

/** A signature-checked IPN → the provider's statement. Paid only when both response code and status say 00. */
export function statementFromIpn(params: Record<string, string>, options: VnpayOptions): ProviderStatement {
  const missing = required.filter((k) => !params[k]);
  if (missing.length) throw new CallbackRefused('malformed', `missing ${missing.join(', ')}`);
  if (params.vnp_TmnCode !== options.tmnCode) throw new CallbackRefused('malformed', 'vnp_TmnCode is not ours');
  if (!/^\d{1,18}$/.test(params.vnp_Amount!)) throw new CallbackRefused('malformed', 'vnp_Amount is not a whole number');
  const paidAt = fromCompactVnTime(params.vnp_PayDate!);
  if (!paidAt) throw new CallbackRefused('malformed', 'vnp_PayDate is not yyyyMMddHHmmss');
  const responseCode = params.vnp_ResponseCode!;
  const transactionStatus = params.vnp_TransactionStatus!;
  const reviewReason = reviewReasonOf(responseCode, transactionStatus);
  return {
    paymentId: params.vnp_TxnRef!,
    outcome: reviewReason ? 'needs-review' : responseCode === '00' && transactionStatus === '00' ? 'paid' : 'failed',
    ...(reviewReason ? { review: { reason: reviewReason, providerCodes: { vnp_ResponseCode: responseCode, vnp_TransactionStatus: transactionStatus } } } : {}),
    transactionNo: params.vnp_TransactionNo!,
    amount: Number(params.vnp_Amount) / 100,
    currency: params.vnp_CurrCode || undefined,
    bankCode: params.vnp_BankCode || undefined,
    paidAt,
  };
}

/** The IPN reply protocol: always HTTP 200, the verdict in RspCode. */
const rspCodes: Record<CallbackVerdict, { RspCode: string; Message: string }> = {
  confirmed: { RspCode: '00', Message: 'Confirm Success' },
  'not-found': { RspCode: '01', Message: 'Order not found' },
  'already-confirmed': { RspCode: '02', Message: 'Order already confirmed' },
  'invalid-amount': { RspCode: '04', Message: 'Invalid amount' },
  'invalid-signature': { RspCode: '97', Message: 'Invalid signature' },
  malformed: { RspCode: '99', Message: 'Invalid request' },
  error: { RspCode: '99', Message: 'Unknown error' },
};

export const ipnReply = (verdict: CallbackVerdict) => ({ statusCode: 200, body: rspCodes[verdict] });

/** Fields of a querydr response, in the order its vnp_SecureHash covers them. */
export const queryResponseHashFields = [
  'vnp_ResponseId', 'vnp_Command', 'vnp_ResponseCode', 'vnp_Message', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_Amount', 'vnp_BankCode',
  'vnp_PayDate', 'vnp_TransactionNo', 'vnp_TransactionType', 'vnp_TransactionStatus', 'vnp_OrderInfo', 'vnp_PromotionCode', 'vnp_PromotionAmount',
] as const;

export const queryRequestHashFields = [
  'vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_TransactionDate', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo',
] as const;

export function toQueryRequest(payment: ExpectedPayment, options: VnpayOptions, requestId: string): Record<string, string> {
  const request: Record<string, string> = {
    vnp_RequestId: requestId,
    vnp_Version: '2.1.0',
    vnp_Command: 'querydr',
    vnp_TmnCode: options.tmnCode,
    vnp_TxnRef: payment.paymentId,
    vnp_TransactionDate: toCompactVnTime(payment.createdAt),
    vnp_CreateDate: toCompactVnTime(Date.now()),
    vnp_IpAddr: '127.0.0.1',
    vnp_OrderInfo: `Truy van giao dich ${payment.paymentId}`,
  };
  request.vnp_SecureHash = pipeHash(options.hashSecret, queryRequestHashFields.map((k) => request[k]));
  return request;
}
