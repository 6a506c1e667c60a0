import { ClientCredentialsToken } from '../../src/connectors/client-credentials.ts';
import type { Transport, TransportAnswer } from '../../src/connectors/transport/transport.ts';
import type { LgspWrappedOptions } from './options.ts';
import { lgspWrappedElements, soapEnvelope, type LookupRequest } from './soap-request.ts';

/**
 * The `lgspaccesstoken` header: base64 of a JSON object with exactly these five keys in this order, as the
 * QLCDIntegrationActionImpl constructor concatenates it (it does not escape; JSON.stringify gives the same bytes
 * for ordinary values).
 */
export function lgspAccessTokenOf(o: Pick<LgspWrappedOptions, 'accessKey' | 'secretKey' | 'appName' | 'partnerCode' | 'partnerCodeCus'>): string {
  const json = JSON.stringify({ AccessKey: o.accessKey, SecretKey: o.secretKey, AppName: o.appName, PartnerCode: o.partnerCode, PartnerCodeCus: o.partnerCodeCus });
  return Buffer.from(json, 'utf8').toString('base64');
}

/** AuthHash = base64(keyName:keyPass): the registry's credential, carried past the LGSP (validateBodyJson). */
export const authHashOf = (o: Pick<LgspWrappedOptions, 'keyName' | 'keyPass'>) => Buffer.from(`${o.keyName}:${o.keyPass}`, 'utf8').toString('base64');

/**
 * What ApiThirdPartyServiceImpl.callApiWithRawBody puts on the wire for sendData's `{accessToken, lgspAccessToken,
 * AuthHash, data}`: the three credentials become headers (Authorization, lgspaccesstoken, AuthHash) and `data`,
 * the SOAP, is the raw body as application/xml.
 */
export function lgspWrappedHeaders(token: string, lgspAccessToken: string, authHash: string): Record<string, string> {
  return { accept: '*', 'content-type': 'application/xml', authorization: `Bearer ${token}`, lgspaccesstoken: lgspAccessToken, authhash: authHash };
}

/**
 * Through a provincial LGSP adapter as Hậu Giang's branch calls it: a token from `getToken` (POST
 * grant_type=client_credentials with `lgspaccesstoken`, no Authorization; ApiThirdPartyServiceImpl.callApiEncode),
 * then the SOAP to the `TraCuuThongTinCongDan` path. The source fetches a token for every call; we cache it until
 * shortly before it expires and, on a 401, fetch a fresh one and repeat the call once.
 */
export class LgspWrappedLookupCall {
  private readonly token: ClientCredentialsToken;
  private readonly lgspAccessToken: string;
  private readonly authHash: string;

  constructor(
    private readonly transport: Transport,
    private readonly options: LgspWrappedOptions,
    timeoutMs: number,
  ) {
    this.lgspAccessToken = lgspAccessTokenOf(options);
    this.authHash = authHashOf(options);
    this.token = new ClientCredentialsToken(transport, {
      name: 'the LGSP in front of the population registry',
      tokenPath: options.getToken,
      headers: { accept: 'application/json', lgspaccesstoken: this.lgspAccessToken },
      timeoutMs,
    });
  }

  bodyOf(request: LookupRequest): string {
    return soapEnvelope('qldc', lgspWrappedElements(request));
  }

  async send(request: LookupRequest, timeoutMs: number): Promise<TransportAnswer> {
    const body = this.bodyOf(request);
    const call = (token: string) =>
      this.transport.call({ operation: 'lookup', path: this.options.TraCuuThongTinCongDan, headers: lgspWrappedHeaders(token, this.lgspAccessToken, this.authHash), body, timeoutMs });
    const token = await this.token.get();
    const answer = await call(token);
    if (answer.statusCode !== 401) return answer;
    this.token.invalidate(token);
    return call(await this.token.get());
  }
}
