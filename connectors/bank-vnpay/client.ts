import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import {
  CallbackRefused,
  RefundUnanswered,
  type CallbackRequest,
  type ExpectedPayment,
  type PaymentProvider,
  type ProviderStatement,
  type RefundAnswer,
  type RefundRequest,
} from '../../src/payments/payment-provider.ts';
import { ipnReply, queryResponseHashFields, statementFromIpn, toPayParams, toQueryRequest } from './mapping.ts';
import { vnpayOptionsOf, type VnpayOptions } from './options.ts';
import { refundAnswerHashes, refundResponseMessages, toRefundRequest } from './refund-mapping.ts';
import { pipeHash, sameHash, signParams, verifyParams } from './secure-hash.ts';

/**
 * A VNPAY-style provider: the pay URL is signed here (HMAC-SHA512), the IPN arrives as a signed GET, and an
 * unconfirmed payment is asked about through the querydr API.
 */
export class VnpayProvider implements PaymentProvider {
  private readonly options: VnpayOptions;

  constructor(private readonly context: ServiceContext) {
    this.options = vnpayOptionsOf(context.service.options);
  }

  async create(payment: ExpectedPayment): Promise<{ paymentUrl: string }> {
    const query = signParams(toPayParams(payment, this.options), this.options.hashSecret);
    return { paymentUrl: `${this.context.service.baseUrl}${this.options.payPath}?${query}` };
  }

  async readCallback(request: CallbackRequest): Promise<ProviderStatement> {
    if (request.method !== 'GET') throw new CallbackRefused('malformed', 'IPN must be a GET');
    if (!verifyParams(request.query, this.options.hashSecret)) throw new CallbackRefused('invalid-signature', 'vnp_SecureHash does not match');
    return statementFromIpn(request.query, this.options);
  }

  reply = ipnReply;

  async query(payment: ExpectedPayment): Promise<ProviderStatement | 'pending' | 'unknown'> {
    const res = await this.transaction(toQueryRequest(payment, this.options, randomUUID().replace(/-/g, '')));
    if (res.statusCode !== 200) throw new Error(`querydr answered HTTP ${res.statusCode}`);
    const answer = JSON.parse(res.text) as Record<string, string>;
    const expected = pipeHash(this.options.hashSecret, queryResponseHashFields.map((k) => answer[k]));
    if (!sameHash(expected, answer.vnp_SecureHash)) throw new Error('querydr answer has a bad vnp_SecureHash');
    if (answer.vnp_ResponseCode === '91') return 'unknown'; // transaction not found at the provider
    if (answer.vnp_ResponseCode !== '00') throw new Error(`querydr refused: ${answer.vnp_ResponseCode} ${answer.vnp_Message ?? ''}`);
    if (answer.vnp_TransactionStatus === '01') return 'pending';
    return statementFromIpn({ ...answer, vnp_ResponseCode: answer.vnp_TransactionStatus === '00' ? '00' : answer.vnp_TransactionStatus! }, this.options);
  }

  /**
   * vnp_Command=refund at the querydr endpoint. A signed answer is the provider's word (00 accepted, any other
   * code refused, kept with its text); no answer, an HTTP error or a bad signature leaves the refund's fate unknown.
   */
  async refund(payment: ExpectedPayment, refund: RefundRequest): Promise<RefundAnswer> {
    let statusCode: number;
    let text: string;
    try {
      ({ statusCode, text } = await this.transaction(toRefundRequest(payment, refund, this.options)));
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new RefundUnanswered(timedOut ? 'timeout' : 'unavailable', `refund call failed: ${(err as Error).message}`);
    }
    if (statusCode !== 200) throw new RefundUnanswered('unavailable', `refund answered HTTP ${statusCode}`);
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new RefundUnanswered('invalid-answer', 'refund answer is not JSON');
    }
    const given = typeof answer.vnp_SecureHash === 'string' ? answer.vnp_SecureHash : undefined;
    if (!refundAnswerHashes(this.options.hashSecret, answer).some((h) => sameHash(h, given))) {
      throw new RefundUnanswered('invalid-answer', 'refund answer has a bad vnp_SecureHash');
    }
    const providerCode = String(answer.vnp_ResponseCode ?? '').padStart(2, '0');
    return {
      accepted: providerCode === '00',
      providerCode,
      providerMessage: refundResponseMessages[providerCode] ?? String(answer.vnp_Message ?? 'Giao dịch thất bại'),
      ...(answer.vnp_TransactionNo ? { providerTransactionNo: String(answer.vnp_TransactionNo) } : {}),
    };
  }

  /** One call of the merchant API's single transaction endpoint (querydr and refund, told apart by vnp_Command). */
  private transaction(request: object) {
    return this.context.transport.call({
      operation: 'transaction',
      path: this.options.queryPath,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      timeoutMs: this.context.service.timeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
