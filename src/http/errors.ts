import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Machine-readable codes partners can branch on. The HTTP status is implied by the code. */
export const errorStatus = {
  AUTH_INVALID: 401,
  AGENCY_FORBIDDEN: 403,
  ROLE_FORBIDDEN: 403,
  NOT_FOUND: 404,
  BODY_MALFORMED: 400,
  URL_INVALID: 400,
  SCHEMA_INVALID: 400,
  IDEMPOTENCY_CONFLICT: 409,
  PAYMENT_OPEN: 409,
  PAYMENT_ALREADY_PAID: 409,
  PAYMENT_NOT_PENDING: 409,
  PAYMENT_UNDER_REVIEW: 409,
  PAYMENT_NOT_UNDER_REVIEW: 409,
  PAYMENT_NOT_REFUNDABLE: 409,
  REFUND_IN_PROGRESS: 409,
  REFUND_EXCEEDS_REMAINING: 409,
  REFUND_NOT_SUPPORTED: 409,
  REFUND_REFUSED: 422,
  SHIPMENT_NOT_CREATED: 409,
  CANCEL_REFUSED: 409,
  BODY_TOO_LARGE: 413,
  URL_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STALE_REQUEST: 422,
  SIGNATURE_INVALID: 422,
  CERT_UNTRUSTED: 422,
  CERT_EXPIRED: 422,
  CERT_NOT_BOUND: 422,
  CERT_REVOKED: 422,
  CERT_REVOCATION_UNKNOWN: 422,
  CERT_USAGE_INVALID: 422,
  ALGORITHM_WEAK: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  REPLICATION_PENDING: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  path: string;
  message: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The refusal code, once the error handler has answered with one (read by metrics). */
    errorCode?: ErrorCode;
  }
}

export class GatewayError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.statusCode = errorStatus[code];
  }
}

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

/**
 * One ajv error as a detail naming the field: ajv names only the object holding a missing or a not-allowed property.
 * For the message schemas (pipeline/validate-schema.ts) and the routes' own (fastify validates with ajv too).
 */
export function schemaErrorDetail(e: { keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }): ErrorDetail {
  const { params } = e;
  if (e.keyword === 'required') return { path: `${e.instancePath}/${String(params.missingProperty)}`, message: 'is required' };
  if (e.keyword === 'additionalProperties') return { path: `${e.instancePath}/${String(params.additionalProperty)}`, message: 'is not allowed' };
  if (e.keyword === 'enum') return { path: e.instancePath || '/', message: `must be one of ${JSON.stringify(params.allowedValues)}` };
  return { path: e.instancePath || '/', message: e.message ?? 'is invalid' };
}

/** fastify's own errors (body parsing, limits, the router's) translated into the gateway's error contract. */
export function fromFastifyError(err: FastifyError): GatewayError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('BODY_TOO_LARGE', 'request body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json or application/xml');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('BODY_MALFORMED', 'body is empty or not valid JSON', [{ path: '/', message: err.message }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('BODY_MALFORMED', 'Content-Length does not match the body');
    case 'FST_ERR_BAD_URL':
      return new GatewayError('URL_INVALID', 'the path is not valid percent-encoding', [{ path: '/url', message: 'not a valid URL component' }]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GatewayError('URL_TOO_LONG', 'a path segment is longer than any identifier the gateway issues', [{ path: '/url', message: 'a path segment is too long' }]);
    default:
      break;
  }
  if (err.statusCode === 429) return new GatewayError('RATE_LIMITED', err.message);
  if (err.validation) {
    return new GatewayError(
      'SCHEMA_INVALID',
      'request does not match the route schema',
      err.validation.map(schemaErrorDetail),
    );
  }
  if (err.statusCode === 400 && err instanceof SyntaxError) {
    return new GatewayError('BODY_MALFORMED', 'body is not valid JSON', [{ path: '/', message: err.message }]);
  }
  return new GatewayError('INTERNAL', 'internal error');
}

export function toErrorBody(err: GatewayError): ErrorBody {
  return { error: err.code, message: err.message, details: err.details };
}

/** Answers a refusal in the gateway's error shape; `cause`: what fastify threw, logged when it is our fault. */
export function sendError(request: FastifyRequest, reply: FastifyReply, gatewayError: GatewayError, cause?: unknown): void {
  request.errorCode = gatewayError.code;
  if (gatewayError.code === 'INTERNAL') request.log.error({ err: cause ?? gatewayError }, 'unhandled error');
  else request.log.info({ code: gatewayError.code }, 'request refused');
  reply.code(gatewayError.statusCode).headers(gatewayError.headers).send(toErrorBody(gatewayError));
}

/** One error shape for every route: `{error, message, details:[{path, message}]}`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | GatewayError, request, reply) => {
    if (err instanceof GatewayError) sendError(request, reply, err);
    else sendError(request, reply, fromFastifyError(err as FastifyError), err);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(toErrorBody(new GatewayError('NOT_FOUND', `no route ${request.method} ${request.url}`)));
  });
}
