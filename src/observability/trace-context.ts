import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The trace id of a message: read from the request that brought it, carried in its envelope, written in every log
 * line of its path (api → worker → connector) and sent on to its destinations.
 *
 * W3C Trace Context (`traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`) is read first; the
 * gateway's older `X-Trace-Id` (8–64 letters, digits, dashes) still works when no valid traceparent came. A request
 * with neither gets a new random id, already in W3C form.
 */
const xTraceIdPattern = /^[A-Za-z0-9-]{8,64}$/;
const w3cTraceIdPattern = /^[0-9a-f]{32}$/;
const zeroTraceId = '0'.repeat(32);

/**
 * The trace id of a valid `traceparent`, or undefined. Version 00 is exactly 55 characters; a later version may
 * append fields after a dash (the spec asks readers of version 00 to accept them); ff is invalid, as are all-zero ids
 * and upper-case hex. Two traceparent headers arrive joined by a comma and are refused by the same pattern.
 */
export function traceIdOfTraceparent(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === zeroTraceId || parentId === '0000000000000000') return undefined;
  return traceId;
}

/** The trace id a request asks for: its traceparent's, else its X-Trace-Id, else a new one. */
export function traceIdOfHeaders(headers: IncomingHttpHeaders): string {
  const fromTraceparent = traceIdOfTraceparent(typeof headers.traceparent === 'string' ? headers.traceparent : undefined);
  if (fromTraceparent) return fromTraceparent;
  const legacy = headers['x-trace-id'];
  if (typeof legacy === 'string' && xTraceIdPattern.test(legacy)) return legacy;
  // randomUUID draws from a pool Node refills in batches: a fresh randomBytes call per request cost ~2 % of ingest.
  return randomUUID().replaceAll('-', '');
}

const requestTraceIds = new WeakMap<IncomingMessage, string>();

/**
 * One trace id per HTTP request, decided once: fastify's request logger binds it before any hook runs, and the
 * envelope built later in the handler must carry the same one.
 */
export function traceIdOfRequest(raw: IncomingMessage): string {
  let traceId = requestTraceIds.get(raw);
  if (!traceId) {
    traceId = traceIdOfHeaders(raw.headers);
    requestTraceIds.set(raw, traceId);
  }
  return traceId;
}

/**
 * The trace id in W3C form: itself when it already is one; an X-Trace-Id in another form (or a payment id) maps to
 * the first 32 hex digits of its SHA-256, so every call made for one message carries the same W3C trace id.
 */
export function w3cTraceIdOf(traceId: string): string {
  const lower = traceId.toLowerCase();
  if (w3cTraceIdPattern.test(lower) && lower !== zeroTraceId) return lower;
  return createHash('sha256').update(traceId).digest('hex').slice(0, 32);
}

/**
 * The headers every outbound call of a message carries: its trace id as given (`X-Trace-Id`, as before) and a
 * `traceparent` with the W3C form of it and a new parent id for this call. The sampled flag is set: the gateway
 * keeps no sampling decision of its own and does not store the caller's flags.
 */
export function traceHeaders(traceId: string): { 'x-trace-id': string; traceparent: string } {
  return { 'x-trace-id': traceId, traceparent: `00-${w3cTraceIdOf(traceId)}-${randomBytes(8).toString('hex')}-01` };
}
