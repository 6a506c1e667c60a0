import { CachedCredential, type IssuedCredential } from './cached-credential.ts';
import type { Transport } from './transport/transport.ts';
import { DeliveryError, deliveryErrorFromNetwork } from '../delivery/delivery-error.ts';
import { jsonOrUndefined } from './json-or-undefined.ts';

/** Refresh a little before the remote says the token expires, so a request never leaves with a dying token. */
const tokenRefreshMarginMs = 30_000;

export interface ClientCredentialsOptions {
  /** For error messages: which remote system. */
  name: string;
  tokenPath: string;
  /** The token request's own credential: "Basic <base64 id:secret>" or, as some LGSPs issue them, "Bearer <key>". */
  authorization?: string;
  /** Other headers of the token request (Hậu Giang's LGSP wants its credential as `lgspaccesstoken`, and no Authorization). */
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** "Basic base64(id:secret)", the usual client-credentials login. */
export const basicAuthorization = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * An OAuth2 client-credentials token (grant_type=client_credentials), as LGSPs, the NGSP and VNPost issue them: cached until shortly before expiry, fetched once for concurrent callers,
 * dropped when the remote answers 401 so the next call fetches a fresh one.
 */
export class ClientCredentialsToken extends CachedCredential {
  constructor(
    /** Reaches the token endpoint (operation "token"). */
    private readonly transport: Transport,
    private readonly options: ClientCredentialsOptions,
  ) {
    super(() => this.fetch());
  }

  private async fetch(): Promise<IssuedCredential> {
    const { authorization, headers, tokenPath, timeoutMs, name } = this.options;
    let statusCode: number;
    let text: string;
    try {
      const res = await this.transport.call({
        operation: 'token',
        path: tokenPath,
        // As VietOpenCPS's LGSP clients send it (LGSPServiceImpl.getToken): a form, and JSON asked for.
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(authorization ? { authorization } : {}), ...headers },
        body: 'grant_type=client_credentials',
        timeoutMs,
      });
      statusCode = res.statusCode;
      text = res.text;
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
