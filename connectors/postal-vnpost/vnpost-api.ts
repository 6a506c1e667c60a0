import { basicAuthorization, ClientCredentialsToken } from '../../src/connectors/client-credentials.ts';
import type { ConnectorContext } from '../../src/connectors/connector-types.ts';
import type { TransportAnswer } from '../../src/connectors/transport/transport.ts';
import { deliveryErrorFromNetwork } from '../../src/delivery/delivery-error.ts';
import type { VnpostOptions } from './options.ts';

export interface VnpostCall {
  operation: 'order' | 'tracking' | 'cancel';
  method: 'GET' | 'POST';
  path: string;
  body?: Buffer;
  headers?: Record<string, string>;
  /** A delivery's claim (DeliveryRequest.claimFresh): the order is not sent once it may lapse. */
  notAfter?: AbortSignal;
}

/**
 * Calls VNPost's adapter as the public SDK does (IToken/IOrder): JSON, `Accept-Charset: UTF-8`. Through the NGSP the
 * transport adds the platform's token and service code. Reached directly, the adapter wants the same kind of token
 * the NGSP issues (client credentials, Basic consumerKey:consumerSecret): the connector then fetches and caches it
 * itself, and repeats a call refused with 401 once with a fresh one.
 */
export class VnpostApi {
  private readonly token?: ClientCredentialsToken;

  constructor(
    private readonly context: ConnectorContext,
    options: VnpostOptions,
  ) {
    if (options.consumerKey && options.consumerSecret) {
      this.token = new ClientCredentialsToken(context.transport, {
        name: context.destinationName,
        tokenPath: options.tokenPath,
        authorization: basicAuthorization(options.consumerKey, options.consumerSecret),
        timeoutMs: context.destination.timeoutMs,
      });
    }
  }

  async call(call: VnpostCall): Promise<TransportAnswer> {
    const send = async (token: string | undefined) => {
      try {
        return await this.context.transport.call({
          operation: call.operation,
          method: call.method,
          path: call.path,
          headers: {
            accept: 'application/json',
            'accept-charset': 'UTF-8',
            ...(call.body ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...call.headers,
          },
          body: call.body,
          timeoutMs: this.context.destination.timeoutMs,
          notAfter: call.notAfter,
        });
      } catch (err) {
        throw deliveryErrorFromNetwork(this.context.destinationName, err);
      }
    };
    const token = await this.token?.get();
    const answer = await send(token);
    if (answer.statusCode !== 401 || !token || !this.token) return answer;
    this.token.invalidate(token);
    return send(await this.token.get());
  }
}
