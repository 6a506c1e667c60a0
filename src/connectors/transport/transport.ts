import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a connector reaches its system: straight to the system's own URL, or through a government service platform
 * (a province's LGSP, the national NGSP) that wants its own token and a service code on every call. The connector
 * names each call (`operation`) and gives the path it would use directly; the transport decides where it goes.
 */
export interface TransportCall {
  /** The connector's name for this kind of call ("auth", "integration", "order"); a platform maps it to a service. */
  operation: string;
  method?: 'GET' | 'POST';
  /** Path and query under the system's own base URL: where a direct call goes. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  /** Answers longer than this are cut off with an error (attachments); default 8 MiB. */
  maxBytes?: number;
  /**
   * Once aborted, the call is not sent (its reason is thrown): a delivery's dossier claim that may lapse before the
   * call could end (DeliveryRequest.claimFresh). Checked right before each request leaves, retries included; a call
   * already out is left to finish.
   */
  notAfter?: AbortSignal;
}

export interface TransportAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
  text: string;
}

export interface Transport {
  /** "direct", or the platform's name ("lgsp", "ngsp"): for logs and error messages. */
  readonly via: string;
  /** Network failures and timeouts are thrown as they come (undici errors); a platform's refusal of its own token is a TransportError. */
  call(call: TransportCall): Promise<TransportAnswer>;
  close(): Promise<void>;
}

/** The platform in between refused us (its token endpoint failed, or it does not know the service): retryable, config may be at fault. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
