import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import { CallbackRefused, type CallbackRequest, type ExpectedPayment, type PaymentProvider, type ProviderStatement } from '../../src/payments/payment-provider.ts';
import { SignatureError } from '../../src/signatures/signature-error.ts';
import { platformReply, statementOf, toCreateRequest } from './mapping.ts';
import { platformOptionsOf, type PlatformOptions } from './options.ts';

/**
 * A platform-style provider (the national payment platform's shape): the gateway creates the order over a signed
 * JSON call, the platform calls back with a JSON body signed by its X.509 certificate, which is verified through
 * the gateway's trust store and must be one configured for this provider.
 */
export class PlatformProvider implements PaymentProvider {
  private readonly options: PlatformOptions;

  constructor(private readonly context: ServiceContext) {
    this.options = platformOptionsOf(context.service.options);
  }

  async create(payment: ExpectedPayment): Promise<{ paymentUrl: string }> {
    const body = Buffer.from(JSON.stringify(toCreateRequest(payment, this.options.merchantId, this.context.callbackUrl())));
    const res = await this.context.transport.call({
      operation: 'create',
      path: this.options.createPath,
      headers: { 'content-type': 'application/json', 'x-signature': this.context.signOutbound(body) },
      body,
      timeoutMs: this.context.service.timeoutMs,
    });
    const text = res.text;
    if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`platform refused the order: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const answer = JSON.parse(text) as { paymentUrl?: string };
    if (!answer.paymentUrl) throw new Error('platform answered without a paymentUrl');
    return { paymentUrl: answer.paymentUrl };
  }

  async readCallback(request: CallbackRequest): Promise<ProviderStatement> {
    if (request.method !== 'POST' || !request.rawBody) throw new CallbackRefused('malformed', 'callback must be a POST with a JSON body');
    const signature = request.headers['x-signature'];
    await this.verified(typeof signature === 'string' ? signature : undefined, request.rawBody);
    return statementOf(parseJson(request.rawBody), this.options.merchantId);
  }

  reply = platformReply;

  async query(payment: ExpectedPayment): Promise<ProviderStatement | 'pending' | 'unknown'> {
    const res = await this.context.transport.call({
      operation: 'query',
      method: 'GET',
      path: this.options.queryPath.replace('{orderId}', encodeURIComponent(payment.paymentId)),
      timeoutMs: this.context.service.timeoutMs,
    });
    const raw = res.bytes;
    if (res.statusCode === 404) return 'unknown';
    if (res.statusCode !== 200) throw new Error(`platform query answered HTTP ${res.statusCode}`);
    const signature = res.headers['x-signature'];
    await this.verified(typeof signature === 'string' ? signature : undefined, raw);
    const json = parseJson(raw) as { status?: string };
    if (json.status === 'PENDING') return 'pending';
    return statementOf(json, this.options.merchantId);
  }

  /** The platform's signature, through the trust store and bound to this provider; any failure is a bad signature. */
  private async verified(signature: string | undefined, body: Buffer): Promise<void> {
    try {
      await this.context.verifyRemoteSignature(signature, body);
    } catch (err) {
      if (err instanceof SignatureError) throw new CallbackRefused('invalid-signature', `${err.code}: ${err.message}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CallbackRefused('malformed', 'body is not valid JSON');
  }
}
