import { jsonOrUndefined } from '../../src/connectors/json-or-undefined.ts';
import type { Transport, TransportAnswer } from '../../src/connectors/transport/transport.ts';
import { DeliveryError, deliveryErrorFromNetwork, deliveryErrorFromResponse } from '../../src/delivery/delivery-error.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { traceHeaders } from '../../src/observability/trace-context.ts';
import { isPortalSuccess, portalMessageOf } from './error-code.ts';
import type { PortalOptions } from './options.ts';
import type { PortalSession } from './session.ts';

/** How much of a refusing answer is kept with the dead letter: all of any answer the portal plausibly gives. */
const keptAnswerChars = 8192;

/** A non-zero error_code that is about the session, not the data: log in again and repeat. */
const sessionProblem = /session|phi[eê]n/i;

export type PortalAnswer = Record<string, unknown>;

/** The portal answered and said no (a non-zero error_code about the data): permanent, with its whole answer. */
export class PortalRefusal extends DeliveryError {
  constructor(message: string, statusCode: number, readonly answer: string) {
    super(message, false, statusCode, undefined, answer);
    this.name = 'PortalRefusal';
  }
}

export interface IntegrationCallExtras {
  traceId?: string;
  /** The message's logger, when the call is made for one (its lines carry the message's ids and trace id). */
  log?: Logger;
  /** The gateway's signature over the body (an extra header the portal may ignore; provinces' LGSPs log it). */
  sign?: (body: Buffer) => string;
  /** The delivery's claim (DeliveryRequest.claimFresh): once aborted, no request of this call leaves. */
  notAfter?: AbortSignal;
}

/**
 * One call of the portal's single integration endpoint, as the public client makes it (syncData / getSharingData):
 * POST `{session, madonvi, service, ...fields}` with the `dstcode` header. Success is error_code 0; an HTTP 401 or a
 * refusal that names the session logs in again once and repeats (the refused call had no effect); any other
 * refusal is permanent, with the portal's whole answer kept.
 */
export class PortalIntegration {
  constructor(
    private readonly transport: Transport,
    private readonly options: PortalOptions,
    private readonly session: PortalSession,
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  async call(service: string, fields: Record<string, unknown>, extras: IntegrationCallExtras = {}): Promise<PortalAnswer> {
    let session = await this.session.get();
    let answer = await this.send(session, service, fields, extras);
    if (this.sessionRefused(answer)) {
      this.session.invalidate(session);
      session = await this.session.get();
      answer = await this.send(session, service, fields, extras);
    }
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw deliveryErrorFromResponse(this.name, answer.statusCode, answer.headers, answer.text);
    const json = jsonOrUndefined(answer.text) as PortalAnswer | undefined;
    if (!json || typeof json !== 'object') throw new DeliveryError(`${this.name} answered ${service} with something that is not JSON: ${answer.text.slice(0, 200)}`, true, answer.statusCode);
    if (isPortalSuccess(json)) return json;
    const kept = answer.text.slice(0, keptAnswerChars);
    if (sessionProblem.test(portalMessageOf(json))) {
      throw new DeliveryError(`${this.name} still refuses the session after a new login: ${kept}`, true, answer.statusCode, undefined, kept);
    }
    throw new PortalRefusal(`${this.name} refused ${service}: ${kept}`, answer.statusCode, kept);
  }

  private sessionRefused(answer: TransportAnswer): boolean {
    if (answer.statusCode === 401) return true;
    if (answer.statusCode !== 200) return false;
    const json = jsonOrUndefined(answer.text);
    return json !== undefined && !isPortalSuccess(json) && sessionProblem.test(portalMessageOf(json));
  }

  private async send(session: string, service: string, fields: Record<string, unknown>, extras: IntegrationCallExtras): Promise<TransportAnswer> {
    const body = Buffer.from(JSON.stringify({ session, madonvi: this.options.madonvi, service, ...fields }));
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', dstcode: this.options.dstcode };
    if (extras.traceId) Object.assign(headers, traceHeaders(extras.traceId));
    if (extras.sign) headers['x-signature'] = extras.sign(body);
    try {
      return await this.transport.call({ operation: 'integration', path: this.options.integrationEndpoint, headers, body, timeoutMs: this.timeoutMs, notAfter: extras.notAfter });
    } catch (err) {
      throw deliveryErrorFromNetwork(this.name, err);
    }
  }
}
