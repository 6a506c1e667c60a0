import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import { CallbackRefused, type CallbackRequest, type ExpectedPayment, type PaymentProvider, type ProviderStatement } from '../../src/payments/payment-provider.ts';
import { ipnReply, queryResponseHashFields, statementFromIpn, toPayParams, toQueryRequest } from './mapping.ts';
import { vnpayOptionsOf, type VnpayOptions } from './options.ts';
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
    const body = JSON.stringify(toQueryRequest(payment, this.options, randomUUID().replace(/-/g, '')));
    const res = await this.context.transport.call({
      operation: 'transaction',
      path: this.options.queryPath,
      headers: { 'content-type': 'application/json' },
      body,
      timeoutMs: this.context.service.timeoutMs,
    });
    const text = res.text;
    if (res.statusCode !== 200) throw new Error(`querydr answered HTTP ${res.statusCode}`);
    const answer = JSON.parse(text) as Record<string, string>;
    const expected = pipeHash(this.options.hashSecret, queryResponseHashFields.map((k) => answer[k]));
    if (!sameHash(expected, answer.vnp_SecureHash)) throw new Error('querydr answer has a bad vnp_SecureHash');
    if (answer.vnp_ResponseCode === '91') return 'unknown'; // transaction not found at the provider
    if (answer.vnp_ResponseCode !== '00') throw new Error(`querydr refused: ${answer.vnp_ResponseCode} ${answer.vnp_Message ?? ''}`);
    if (answer.vnp_TransactionStatus === '01') return 'pending';
    return statementFromIpn({ ...answer, vnp_ResponseCode: answer.vnp_TransactionStatus === '00' ? '00' : answer.vnp_TransactionStatus! }, this.options);
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
