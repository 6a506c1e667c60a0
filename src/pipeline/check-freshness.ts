import { GatewayError } from '../http/errors.ts';

/** X-Timestamp is ISO 8601 or epoch milliseconds. */
export function parseTimestampHeader(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d{12,14}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Step 3, freshness: a request is only accepted within ±skew of the gateway clock. X-Timestamp is not signed,
 * so the signed CMS signingTime (checked after the signature) is held to the same window; inside the window, a
 * replayed signature is the message it was first accepted as, whatever its Idempotency-Key (signed-message-id,
 * accept-message).
 */
export function checkFreshness(header: string | undefined, clockSkewMs: number, now = Date.now()): void {
  const ts = parseTimestampHeader(header);
  if (ts === undefined) {
    throw new GatewayError('STALE_REQUEST', 'X-Timestamp header (ISO 8601 or epoch ms) is required', [{ path: 'header:x-timestamp', message: 'missing or unparseable' }]);
  }
  checkWithinWindow(ts, clockSkewMs, now, 'header:x-timestamp');
}

export function checkWithinWindow(ts: number, clockSkewMs: number, now: number, path: string): void {
  if (Math.abs(now - ts) > clockSkewMs) {
    throw new GatewayError('STALE_REQUEST', `request time is more than ${Math.round(clockSkewMs / 1000)} s from the gateway clock`, [
      { path, message: `off by ${Math.round((now - ts) / 1000)} s` },
    ]);
  }
}
