import { createHash } from 'node:crypto';
import type { Transport, TransportAnswer } from '../../src/connectors/transport/transport.ts';
import type { DirectOptions } from './options.ts';
import { directElements, soapEnvelope, type LookupRequest } from './soap-request.ts';

/**
 * Basic base64(user:sha256hex(authUrl + user + timestamp + secret)), lowercase hex, with the same epoch-ms
 * Timestamp sent alongside (CallApi037). `authUrl` is C06_url_xacthuc, configured apart from the URL called.
 */
export function authorizationOf(authUrl: string, username: string, secret: string, timestamp: string): string {
  const digest = createHash('sha256').update(authUrl + username + timestamp + secret, 'utf8').digest('hex');
  return `Basic ${Buffer.from(`${username}:${digest}`, 'utf8').toString('base64')}`;
}

/**
 * The headers CallApi037 sends. It sends SOAPAction as two double quotes (an empty action) and the body as
 * StringContent(xml, UTF8, "application/xml"). It computes Timestamp once per client; we compute it per call, so
 * a long-lived gateway never sends a stale one.
 */
export function directHeaders(options: DirectOptions, timestamp: string): Record<string, string> {
  return {
    'content-type': 'application/xml; charset=utf-8',
    soapaction: '""',
    timestamp,
    authorization: authorizationOf(options.authUrl, options.username, options.secret, timestamp),
    'x-road-client': options.xRoadClient,
    apikey: options.apiKey,
  };
}

/** The registry's own endpoint, reached through the transport as operation "lookup". */
export class DirectLookupCall {
  constructor(
    private readonly transport: Transport,
    private readonly options: DirectOptions,
  ) {}

  bodyOf(request: LookupRequest): string {
    return soapEnvelope('dan', directElements(request));
  }

  send(request: LookupRequest, timeoutMs: number): Promise<TransportAnswer> {
    return this.transport.call({
      operation: 'lookup',
      path: this.options.path,
      headers: directHeaders(this.options, String(Date.now())),
      body: this.bodyOf(request),
      timeoutMs,
    });
  }
}
