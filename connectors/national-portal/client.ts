import { Pool } from 'undici';
import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { DeliveryError, deliveryErrorFromNetwork, deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import { toPortalRequest } from './mapping.ts';
import { portalOptionsOf, type PortalOptions } from './options.ts';

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Refresh a little before the portal says the token expires, so a request never leaves with a dying token. */
const tokenRefreshMarginMs = 30_000;

/**
 * Delivers dossier status updates and fee payment results to the National Public Service Portal. OAuth2 client credentials: one token
 * is cached until shortly before expiry, fetched once for concurrent callers, and refreshed once on a 401.
 */
export class NationalPortalClient implements DeliveryClient {
  private readonly pool: Pool;
  private readonly options: PortalOptions;
  private token?: CachedToken;
  private tokenRequest?: Promise<CachedToken>;

  constructor(private readonly context: ConnectorContext) {
    this.options = portalOptionsOf(context.destination.options);
    this.pool = new Pool(context.destination.baseUrl, { connections: context.destination.concurrency * 2 });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const mapped = toPortalRequest(request.envelope, this.options);
    const body = Buffer.from(JSON.stringify(mapped.body));
    const token = await this.accessToken();
    let response = await this.post(mapped.path, body, request, token);
    if (response.statusCode === 401) {
      // Revoked or expired early: drop it (unless a concurrent call already replaced it) and try once more.
      if (this.token?.value === token) this.token = undefined;
      response = await this.post(mapped.path, body, request, await this.accessToken());
    }
    const { statusCode, headers, text } = response;
    if (statusCode < 200 || statusCode >= 300) throw deliveryErrorFromResponse(this.context.destinationName, statusCode, headers, text);
    const answer = safeJson(text) as { error_code?: string } | undefined;
    if (answer?.error_code !== '00') {
      // HTTP 200 with a business refusal is how the portal says "this record is wrong": retrying will not fix it.
      throw new DeliveryError(`portal refused the update: ${text.slice(0, 500)}`, false, statusCode, undefined, text.slice(0, 500));
    }
    return { statusCode };
  }

  private async post(path: string, body: Buffer, request: DeliveryRequest, token: string) {
    try {
      const res = await this.pool.request({
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': request.idempotencyKey,
          'x-trace-id': request.traceId,
          'x-signature': this.context.signOutbound(body),
        },
        body,
        signal: AbortSignal.timeout(this.context.destination.timeoutMs),
      });
      return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
    } catch (err) {
      throw deliveryErrorFromNetwork(this.context.destinationName, err);
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.tokenRequest ??= this.fetchToken().finally(() => (this.tokenRequest = undefined));
    this.token = await this.tokenRequest;
    return this.token.value;
  }

  private async fetchToken(): Promise<CachedToken> {
    const credentials = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    let statusCode: number;
    let text: string;
    try {
      const res = await this.pool.request({
        path: this.options.tokenPath,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${credentials}` },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(this.context.destination.timeoutMs),
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw deliveryErrorFromNetwork(`${this.context.destinationName} token endpoint`, err);
    }
    const answer = safeJson(text) as { access_token?: string; expires_in?: number } | undefined;
    if (statusCode !== 200 || !answer?.access_token) {
      // Retryable on purpose: a credentials problem is fixed in config, and the messages must survive until then.
      throw new DeliveryError(`token endpoint of ${this.context.destinationName} answered HTTP ${statusCode}`, true, statusCode);
    }
    const lifetimeMs = (answer.expires_in ?? 300) * 1000;
    return { value: answer.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - tokenRefreshMarginMs, lifetimeMs / 2) };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
