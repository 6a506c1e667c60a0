import { CachedCredential } from '../../src/connectors/cached-credential.ts';
import { jsonOrUndefined } from '../../src/connectors/json-or-undefined.ts';
import type { Transport } from '../../src/connectors/transport/transport.ts';
import { DeliveryError, deliveryErrorFromNetwork } from '../../src/delivery/delivery-error.ts';
import { isPortalSuccess, portalMessageOf } from './error-code.ts';
import type { PortalOptions } from './options.ts';

/**
 * The portal's session, as the public client gets it (DVCQGIntegrationActionImpl.getAccessToken): POST
 * `{username, password}` to the auth endpoint with the `dstcode` header → `{session, error_code}`, valid when
 * error_code is 0. Kept until a call says it is no longer valid; one login at a time, whoever asks.
 */
export class PortalSession extends CachedCredential {
  constructor(
    private readonly transport: Transport,
    private readonly options: PortalOptions,
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {
    // A session has no stated lifetime: it is used until the portal refuses it.
    super(async () => ({ value: await this.login(), expiresAt: Infinity }));
  }

  private async login(): Promise<string> {
    const { authEndpoint, username, password, dstcode } = this.options;
    let answer;
    try {
      answer = await this.transport.call({
        operation: 'auth',
        path: authEndpoint,
        headers: { 'content-type': 'application/json', accept: 'application/json', dstcode },
        body: JSON.stringify({ username, password }),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw deliveryErrorFromNetwork(`${this.name} login`, err);
    }
    const json = jsonOrUndefined(answer.text) as { session?: unknown } | undefined;
    if (answer.statusCode === 200 && isPortalSuccess(json) && typeof json?.session === 'string' && json.session) return json.session;
    // Retryable on purpose: credentials are fixed in config, and the messages must wait for that, not die.
    const why = portalMessageOf(json) || answer.text.slice(0, 200);
    throw new DeliveryError(`${this.name} login refused (HTTP ${answer.statusCode}): ${why}`, true, answer.statusCode);
  }
}
