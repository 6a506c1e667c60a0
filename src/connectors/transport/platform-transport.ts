import { Pool } from 'undici';
import type { PlatformTransportConfig } from '../../config/types.ts';
import { basicAuthorization, ClientCredentialsToken } from '../client-credentials.ts';
import { DirectTransport } from './direct-transport.ts';
import { readAnswer } from './read-answer.ts';
import { TransportError, type Transport, type TransportAnswer, type TransportCall } from './transport.ts';

/** The credential of the platform's token request, from config: a key with its scheme, or a consumer key and secret (Basic). */
export function tokenAuthorizationOf(config: PlatformTransportConfig): string {
  if (config.consumerKey && config.consumerSecret) return basicAuthorization(config.consumerKey, config.consumerSecret);
  return `${config.keyScheme} ${config.key}`;
}

/**
 * Through a government service platform (LGSP/NGSP), as VietOpenCPS's LGSPRestClient and NGSPRestClient call them:
 * a token by `grant_type=client_credentials`, cached and refreshed; every call to the platform's URL for that
 * service with `Authorization: Bearer <token>` and a `service-code` header. The system's own headers travel
 * unchanged (a system that needs Authorization for itself cannot be reached this way; see the population registry).
 * A 401 from the platform drops the token and repeats the call once with a fresh one.
 */
export class PlatformTransport implements Transport {
  readonly via: string;
  private readonly pool: Pool;
  private readonly token: ClientCredentialsToken;

  constructor(
    private readonly config: PlatformTransportConfig & { baseUrl: string },
    /** The connector's operations with their direct paths: what follows that path in a call goes after the service's. */
    private readonly directPaths: Record<string, string>,
    systemName: string,
    connections: number,
    timeoutMs: number,
  ) {
    this.via = config.platform;
    this.pool = new Pool(config.baseUrl, { connections });
    this.token = new ClientCredentialsToken(new DirectTransport(config.baseUrl, 1), {
      name: `${config.platform} (for ${systemName})`,
      tokenPath: config.tokenPath,
      authorization: tokenAuthorizationOf(config),
      timeoutMs,
    });
  }

  async call(call: TransportCall): Promise<TransportAnswer> {
    const service = this.config.services[call.operation];
    if (!service) throw new TransportError(`${this.via} has no service configured for "${call.operation}"`);
    const path = service.path + platformSuffix(call.path, this.directPaths[call.operation]);
    const send = async (token: string) => {
      call.notAfter?.throwIfAborted(); // after the token's fetch, which may have taken a while
      const res = await this.pool.request({
        path,
        method: call.method ?? 'POST',
        headers: { ...call.headers, authorization: `Bearer ${token}`, 'service-code': service.serviceCode },
        body: call.body,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      return readAnswer(res, call.maxBytes);
    };
    const token = await this.token.get();
    const answer = await send(token);
    if (answer.statusCode !== 401) return answer;
    this.token.invalidate(token);
    return send(await this.token.get());
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * What of a direct path travels on through the platform: the part after the operation's own path (a file's id,
 * a query string). With no declared path, only the query.
 */
export function platformSuffix(callPath: string, directPath: string | undefined): string {
  if (directPath !== undefined && callPath.startsWith(directPath)) return callPath.slice(directPath.length);
  const q = callPath.indexOf('?');
  return q >= 0 ? callPath.slice(q) : '';
}
