import type { RouteOptions } from 'fastify';
import { errorStatus, type ErrorCode } from './errors.ts';

/**
 * Pieces of the OpenAPI document shared by routes. Route schemas document; a response schema never filters what a
 * handler returns (api-server.ts serializes with JSON.stringify), so a field missing here is a documentation gap,
 * not a field missing on the wire.
 */

const errorBody = (codes: ErrorCode[]) => ({
  type: 'object',
  description: `Refused: ${codes.join(', ')}`,
  required: ['error', 'message', 'details'],
  properties: {
    error: { type: 'string', enum: codes, description: 'machine-readable code: branch on it (the HTTP status is implied by it)' },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
});

type Responses = Record<string, unknown>;

/** The error responses of these codes, one per HTTP status, each with its codes as an enum. Merges with `into`. */
export function withErrors(into: Responses | undefined, codes: readonly ErrorCode[]): Responses {
  const merged: Responses = { ...into };
  const byStatus = new Map<string, ErrorCode[]>();
  for (const [status, schema] of Object.entries(merged)) {
    const known = (schema as { properties?: { error?: { enum?: ErrorCode[] } } }).properties?.error?.enum;
    if (known) byStatus.set(status, [...known]);
  }
  for (const code of codes) {
    const status = String(errorStatus[code]);
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  for (const [status, list] of byStatus) merged[status] = errorBody(list);
  return merged;
}

export const errorResponses = (...codes: ErrorCode[]) => withErrors(undefined, codes);

/** What a signed partner document can be refused for, before its own checks. */
export const signedDocumentErrors: ErrorCode[] = [
  'BODY_MALFORMED',
  'SCHEMA_INVALID',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'STALE_REQUEST',
  'SIGNATURE_INVALID',
  'CERT_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_BOUND',
  'CERT_REVOKED',
  'CERT_REVOCATION_UNKNOWN',
  'CERT_USAGE_INVALID',
  'ALGORITHM_WEAK',
  'AGENCY_FORBIDDEN',
];

export const signedRequestHeaders = {
  type: 'object',
  required: ['x-timestamp'],
  properties: {
    'x-signature': { type: 'string', description: 'base64 DER CMS SignedData over the exact body bytes (or an enveloped XML-DSig signature in XML)' },
    'x-timestamp': { type: 'string', description: 'ISO 8601 or epoch ms, within ±5 min' },
    traceparent: { type: 'string', description: 'optional W3C Trace Context (00-<trace id>-<parent id>-<flags>): its trace id is logged and sent on' },
    'x-trace-id': { type: 'string', description: 'optional, used when no valid traceparent comes: 8-64 letters, digits or dashes' },
  },
} as const;

/** JSON, or XML whose root element is `xmlRoot` with the same fields as elements. */
export const jsonOrXml = ['application/json', 'application/xml'];

/**
 * Every route registered after this in `app`'s scope gets the scope's security, tag and common refusals (a route
 * says only its own). `hide` routes stay out of the document.
 */
export function documentScope(
  app: { addHook(name: 'onRoute', hook: (route: RouteOptions) => void): unknown },
  scope: { tag: string; security: Array<Record<string, string[]>>; errors: (route: RouteOptions) => ErrorCode[] },
): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide || route.method === 'HEAD') return;
    route.schema = {
      ...schema,
      tags: (schema.tags as string[] | undefined) ?? [scope.tag],
      security: (schema.security as unknown[] | undefined) ?? scope.security,
      response: withErrors(schema.response as Responses | undefined, scope.errors(route)),
    } as RouteOptions['schema'];
  });
}

const nullableString = { type: ['string', 'null'] } as const;

export const attemptSchema = {
  type: 'object',
  required: ['attempt', 'at', 'durationMs', 'outcome'],
  properties: {
    attempt: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    outcome: { type: 'string', enum: ['delivered', 'retry', 'permanent', 'circuit-open'] },
    statusCode: { type: 'integer', description: "the destination's HTTP status" },
    error: { type: 'string' },
    nextAttemptAt: { type: 'string', format: 'date-time', description: 'when it will be tried again (absent when this attempt ended it)' },
  },
} as const;

export const messageStateSchema = { type: 'string', enum: ['queued', 'delivering', 'delivered', 'superseded', 'dead'] } as const;

export const messageStatusSchema = {
  type: 'object',
  required: ['messageId', 'state'],
  properties: {
    messageId: { type: 'string' },
    type: { type: 'string', description: 'e.g. dossier.status.v1' },
    dossierCode: { type: 'string' },
    destination: { type: 'string' },
    state: messageStateSchema,
    attempts: { type: 'integer' },
    lastError: nullableString,
    receivedAt: { type: 'string', format: 'date-time' },
    lastAttemptAt: nullableString,
    finishedAt: nullableString,
    nextAttemptAt: { ...nullableString, description: 'while it waits for a retry (or an open circuit): when it will be tried next' },
    history: { type: 'array', items: attemptSchema },
  },
} as const;

export const refundSchema = {
  type: 'object',
  properties: {
    refundId: { type: 'string' },
    amount: { type: 'integer' },
    kind: { type: 'string', enum: ['full', 'partial'] },
    status: { type: 'string' },
    providerCode: { type: 'string' },
    providerMessage: { type: 'string' },
    requestedAt: { type: 'string' },
    finishedAt: { type: 'string' },
  },
} as const;

export const paymentSchema = {
  type: 'object',
  required: ['paymentId', 'dossierCode', 'provider', 'status', 'amount', 'currency'],
  properties: {
    paymentId: { type: 'string' },
    dossierCode: { type: 'string' },
    provider: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'paid', 'failed', 'expired', 'cancelled', 'needs-review', 'refunded'] },
    amount: { type: 'integer', description: 'VND' },
    currency: { type: 'string', enum: ['VND'] },
    fees: { type: 'array', items: { type: 'object', additionalProperties: true } },
    paymentUrl: { type: 'string', description: 'where the citizen pays (while pending)' },
    expiresAt: { type: 'string', format: 'date-time' },
    transactionNo: { type: 'string' },
    paidAt: { type: 'string', format: 'date-time' },
    settledBy: { type: 'string' },
    settledAfterExpiry: { type: 'boolean' },
    review: {
      type: 'object',
      properties: { reason: { type: 'string' }, flaggedAt: { type: 'string' }, resolvedAs: { type: 'string', enum: ['paid', 'failed'] }, resolvedAt: { type: 'string' } },
    },
    refundedAmount: { type: 'integer' },
    refunds: { type: 'array', items: refundSchema },
  },
} as const;

export const idParam = (name: string, description: string) => ({ type: 'object', required: [name], properties: { [name]: { type: 'string', description } } });
