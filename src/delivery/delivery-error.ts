/**
 * A failed delivery attempt, classified once where the response is read: retryable (408/425/429/5xx, network,
 * timeout) or permanent (any other 4xx, or a remote business refusal). The worker only looks at `retryable`.
 */
export class DeliveryError extends Error {
  /** Set by the worker once it has decided when to try again; BullMQ's backoff reads it. */
  retryInMs?: number;

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode?: number,
    /** From a Retry-After header, in ms. */
    readonly retryAfterMs?: number,
    /** The first bytes of the response body, recorded in the dead-letter reason. */
    readonly responseExcerpt?: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const retryableStatuses = new Set([408, 425, 429]);

export function isRetryableStatus(statusCode: number): boolean {
  return retryableStatuses.has(statusCode) || statusCode >= 500;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const excerptLength = 500;

export function deliveryErrorFromResponse(
  destination: string,
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): DeliveryError {
  const excerpt = bodyText.slice(0, excerptLength);
  return new DeliveryError(
    `HTTP ${statusCode} from ${destination}: ${excerpt}`,
    isRetryableStatus(statusCode),
    statusCode,
    parseRetryAfter(headers['retry-after']),
    excerpt,
  );
}

export function deliveryErrorFromNetwork(destination: string, err: unknown): DeliveryError {
  const e = err as { code?: string; name?: string; message?: string };
  const what = e.code ?? e.name ?? 'network error';
  return new DeliveryError(`${what} calling ${destination}: ${e.message ?? String(err)}`, true);
}
