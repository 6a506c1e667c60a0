import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import { CallbackRefused, type CallbackRequest, type ExpectedPayment, type ExpectedPaymentLookup, type PaymentProvider, type ProviderStatement } from '../../src/payments/payment-provider.ts';
import { readDetailAnswer } from './detail-answer.ts';
import { statementOf, toCreateTransaction, toDetailRequest } from './mapping.ts';
import { paygovOptionsOf, type PaygovOptions } from './options.ts';
import { callbackReply } from './replies.ts';

/**
 * The national payment platform, as VietOpenCPS's public client speaks to it: JSON create and detail calls
 * checksummed with hashKey1, callbacks checked with hashKey2 against the expected payment. Where the platform
 * calls back is registered with it out of band; the create request does not say.
 */
export class PaygovProvider implements PaymentProvider {
  private readonly options: PaygovOptions;

  constructor(private readonly context: ServiceContext) {
    this.options = paygovOptionsOf(context.service.options);
  }

  async create(payment: ExpectedPayment): Promise<{ paymentUrl: string }> {
    const answer = await this.postJson('create', this.options.createTransactionEndpoint, toCreateTransaction(payment, this.options));
    // Success is `error` "0" (PayGateTerm.ERROR_RES_SUCCESS), with the citizen's `payment_url`.
    if (String(answer.error) !== '0') throw new Error(`platform refused the transaction: error ${String(answer.error)} ${String(answer.msg ?? '').slice(0, 200)}`);
    if (typeof answer.payment_url !== 'string' || !/^https?:\/\//.test(answer.payment_url)) throw new Error('platform answered without a payment_url');
    return { paymentUrl: answer.payment_url };
  }

  async readCallback(request: CallbackRequest, expected: ExpectedPaymentLookup): Promise<ProviderStatement> {
    if (request.method !== 'POST' || !request.rawBody?.length) throw new CallbackRefused('malformed', 'callback must be a POST with a JSON body');
    let json: unknown;
    try {
      json = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new CallbackRefused('malformed', 'body is not valid JSON');
    }
    return statementOf(json, this.options, expected);
  }

  reply = callbackReply;

  async query(payment: ExpectedPayment): Promise<ProviderStatement | 'pending' | 'unknown'> {
    return readDetailAnswer(await this.postJson('detail', this.options.detailTransactionEndpoint, toDetailRequest(payment, this.options)), payment, this.options);
  }

  private async postJson(operation: 'create' | 'detail', path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await this.context.transport.call({
      operation,
      path,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: this.context.service.timeoutMs,
    });
    const text = res.text;
    if (res.statusCode !== 200) throw new Error(`platform answered HTTP ${res.statusCode} on ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`platform answered non-JSON on ${path}`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error(`platform answered a non-object on ${path}`);
    return json as Record<string, unknown>;
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
