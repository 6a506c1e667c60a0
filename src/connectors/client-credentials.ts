import type { Pool } from 'undici';
import { DeliveryError, deliveryErrorFromNetwork } from '../delivery/delivery-error.ts';
import { jsonOrUndefined } from './json-or-undefined.ts';

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Refresh a little before the remote says the token expires, so a request never leaves with a dying token. */
const tokenRefreshMarginMs = 30_000;

export interface ClientCredentialsOptions {
  /** For error messages: which remote system. */
  name: string;
  tokenPath: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/**
 * An OAuth2 client-credentials token (Basic client id:secret, grant_type=client_credentials), as the national
 * portal, LGSP and VNPost issue them: cached until shortly before expiry, fetched once for concurrent callers,
 * dropped when the remote answers 401 so the next call fetches a fresh one.
 */
export class ClientCredentialsToken {
  private token?: CachedToken;
  private tokenRequest?: Promise<CachedToken>;

  constructor(
    private readonly pool: Pool,
    private readonly options: ClientCredentialsOptions,
  ) {}

  async get(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.tokenRequest ??= this.fetch().finally(() => (this.tokenRequest = undefined));
    this.token = await this.tokenRequest;
    return this.token.value;
  }

  /** The remote refused `value` (revoked or expired early): forget it, unless a concurrent call already replaced it. */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  private async fetch(): Promise<CachedToken> {
    const { clientId, clientSecret, tokenPath, timeoutMs, name } = this.options;
    const credentials = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    let statusCode: number;
    let text: string;
    try {
      const res = await this.pool.request({
        path: tokenPath,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${credentials}` },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw deliveryErrorFromNetwork(`${name} token endpoint`, err);
    }
    const answer = jsonOrUndefined(text) as { access_token?: string; expires_in?: number } | undefined;
    if (statusCode !== 200 || !answer?.access_token) {
      // Retryable on purpose: a credentials problem is fixed in config, and the messages must survive until then.
      throw new DeliveryError(`token endpoint of ${name} answered HTTP ${statusCode}`, true, statusCode);
    }
    const lifetimeMs = (answer.expires_in ?? 300) * 1000;
    return { value: answer.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - tokenRefreshMarginMs, lifetimeMs / 2) };
  }
}
