import { Pool } from 'undici';
import type { ConnectorContext, DeliveryClient, DeliveryReceipt, DeliveryRequest } from '../../src/connectors/connector-types.ts';
import { ClientCredentialsToken } from '../../src/connectors/client-credentials.ts';
import { jsonOrUndefined } from '../../src/connectors/json-or-undefined.ts';
import { postSigned } from '../../src/connectors/post-signed.ts';
import { DeliveryError, deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import { toPortalRequest } from './mapping.ts';
import { portalOptionsOf, type PortalOptions } from './options.ts';

/**
 * Delivers dossier status updates and fee payment results to the National Public Service Portal. OAuth2 client credentials: one token
 * is cached until shortly before expiry, fetched once for concurrent callers, and refreshed once on a 401.
 */
export class NationalPortalClient implements DeliveryClient {
  private readonly pool: Pool;
  private readonly options: PortalOptions;
  private readonly token: ClientCredentialsToken;

  constructor(private readonly context: ConnectorContext) {
    this.options = portalOptionsOf(context.destination.options);
    this.pool = new Pool(context.destination.baseUrl, { connections: context.destination.concurrency * 2 });
    this.token = new ClientCredentialsToken(this.pool, { name: context.destinationName, ...this.options, timeoutMs: context.destination.timeoutMs });
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const mapped = toPortalRequest(request.envelope, this.options);
    const body = Buffer.from(JSON.stringify(mapped.body));
    const token = await this.token.get();
    let response = await postSigned(this.pool, this.context, mapped.path, body, request, token);
    if (response.statusCode === 401) {
      // Revoked or expired early: drop it and try once more with a fresh one.
      this.token.invalidate(token);
      response = await postSigned(this.pool, this.context, mapped.path, body, request, await this.token.get());
    }
    const { statusCode, headers, text } = response;
    if (statusCode < 200 || statusCode >= 300) throw deliveryErrorFromResponse(this.context.destinationName, statusCode, headers, text);
    const answer = jsonOrUndefined(text) as { error_code?: string } | undefined;
    if (answer?.error_code !== '00') {
      // HTTP 200 with a business refusal is how the portal says "this record is wrong": retrying will not fix it.
      throw new DeliveryError(`portal refused the update: ${text.slice(0, 500)}`, false, statusCode, undefined, text.slice(0, 500));
    }
    return { statusCode };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
