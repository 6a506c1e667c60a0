import type { CallbackVerdict, ExpectedPayment, ProviderStatement } from '../../src/payments/payment-provider.ts';
import { CallbackRefused } from '../../src/payments/payment-provider.ts';

/**
 * The national payment platform's profile is not public; this is ours, documented in the README:
 * JSON both ways, every body signed with CMS (detached, RSA, X.509 chain to a trusted CA) in `X-Signature`.
 */
export interface PlatformCreateRequest {
  merchantId: string;
  orderId: string;
  amount: number;
  currency: 'VND';
  description: string;
  returnUrl: string;
  callbackUrl: string;
  expireAt: string;
}

/** A callback or a query answer: the platform's statement about one order. */
export interface PlatformTransaction {
  merchantId: string;
  orderId: string;
  transactionId: string;
  amount: number;
  currency: string;
  status: 'SUCCESS' | 'FAILED' | 'PENDING';
  bankCode?: string;
  paidAt: string;
}

export function toCreateRequest(payment: ExpectedPayment, merchantId: string, callbackUrl: string): PlatformCreateRequest {
  return {
    merchantId,
    orderId: payment.paymentId,
    amount: payment.amount,
    currency: payment.currency,
    description: payment.description,
    returnUrl: payment.returnUrl,
    callbackUrl,
    expireAt: payment.expiresAt,
  };
}

export function statementOf(json: unknown, merchantId: string): ProviderStatement {
  const t = json as Partial<PlatformTransaction> | null;
  if (!t || typeof t !== 'object') throw new CallbackRefused('malformed', 'body is not a JSON object');
  const missing = (['merchantId', 'orderId', 'transactionId', 'amount', 'currency', 'status', 'paidAt'] as const).filter((k) => t[k] === undefined || t[k] === '');
  if (missing.length) throw new CallbackRefused('malformed', `missing ${missing.join(', ')}`);
  if (t.merchantId !== merchantId) throw new CallbackRefused('malformed', 'merchantId is not ours');
  if (typeof t.amount !== 'number' || !Number.isFinite(t.amount)) throw new CallbackRefused('malformed', 'amount is not a number');
  if (t.status !== 'SUCCESS' && t.status !== 'FAILED') throw new CallbackRefused('malformed', `status ${String(t.status)} is not final`);
  if (Number.isNaN(Date.parse(t.paidAt!))) throw new CallbackRefused('malformed', 'paidAt is not a date');
  return {
    paymentId: String(t.orderId),
    outcome: t.status === 'SUCCESS' ? 'paid' : 'failed',
    transactionNo: String(t.transactionId),
    amount: t.amount,
    currency: String(t.currency),
    bankCode: t.bankCode,
    paidAt: new Date(Date.parse(t.paidAt!)).toISOString(),
  };
}

/** HTTP 200 ends the platform's retries (done, or done before); 4xx says "never retry this"; 503 "retry later". */
const replies: Record<CallbackVerdict, { statusCode: number; body: { code: string; message: string } }> = {
  confirmed: { statusCode: 200, body: { code: '00', message: 'confirmed' } },
  'already-confirmed': { statusCode: 200, body: { code: '02', message: 'already confirmed' } },
  'not-found': { statusCode: 404, body: { code: '01', message: 'order not found' } },
  'invalid-amount': { statusCode: 409, body: { code: '04', message: 'amount or currency does not match the order' } },
  'invalid-signature': { statusCode: 401, body: { code: '97', message: 'signature not valid' } },
  malformed: { statusCode: 400, body: { code: '98', message: 'malformed callback' } },
  error: { statusCode: 503, body: { code: '99', message: 'temporary error, retry later' } },
};

export const platformReply = (verdict: CallbackVerdict) => replies[verdict];
