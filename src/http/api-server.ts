import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger.ts';
import { requestLogging } from '../logging/request-logging.ts';
import { createPartnerAuthenticator } from '../pipeline/authenticate-partner.ts';
import { dossierStatusV1, dossierStatusV2 } from '../pipeline/message-types.ts';
import { installBodyParsers } from '../pipeline/parse-body.ts';
import { registerHealthRoutes, registerMetricsRoute } from '../routes/health-routes.ts';
import { registerIngestRoute } from '../routes/ingest-route.ts';
import { registerMessageStatusRoute } from '../routes/message-status-route.ts';
import { adminRoutes } from '../admin/admin-routes.ts';
import { dashboardRoutes } from '../admin/dashboard-routes.ts';
import { registerQueueBoard } from '../admin/queue-board.ts';
import type { ApiDeps } from './api-deps.ts';
import { GatewayError, fromFastifyError, installErrorHandling, sendError } from './errors.ts';
import { leasedRateLimitStore } from './leased-rate-limit.ts';
import { registerOpenApi } from './openapi.ts';
import { documentScope } from './api-schemas.ts';
import { registerPaymentRoutes } from '../payments/payment-routes.ts';
import { registerCitizenRoutes } from '../citizens/citizen-routes.ts';
import { registerPostalRoutes } from '../postal/postal-routes.ts';
import { submissionPushRoutes } from '../submissions/push-routes.ts';
import { paymentCallbackRoutes } from '../payments/callback-routes.ts';
import '../pipeline/request-context.ts';

/** Partner-facing routes under /v1: authenticated, rate limited per partner, bodies parsed raw. */
async function partnerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  documentScope(app, { tag: 'partner', security: [{ partnerKey: [] }], errors: () => ['AUTH_INVALID', 'RATE_LIMITED', 'INTERNAL'] });
  app.addHook('onRequest', createPartnerAuthenticator(deps.config.partners));
  await app.register(rateLimit, {
    hook: 'preParsing', // after authentication: the limit is per partner, not per IP
    // A window per partner in Redis, shared by every api process, counted out locally in leases (most requests ask
    // Redis nothing).
    store: leasedRateLimitStore(deps.redis, `${deps.config.redis.prefix}:ratelimit:`),
    skipOnError: true, // a Redis outage is answered by the enqueue step (503), not by the limiter
    keyGenerator: (request) => request.partner!.id,
    max: (request) => request.partner!.rateLimit.max,
    timeWindow: (request) => request.partner!.rateLimit.timeWindowMs,
    errorResponseBuilder: (_request, context) =>
      new GatewayError('RATE_LIMITED', `rate limit of ${context.max} requests per ${context.after} exceeded`, [], {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
  installBodyParsers(app);
  registerIngestRoute(app, '/v1/dossiers/status', dossierStatusV1, deps);
  registerIngestRoute(app, '/v2/dossiers/status', dossierStatusV2, deps);
  registerMessageStatusRoute(app, deps);
  if (deps.payments) registerPaymentRoutes(app, deps, deps.payments);
  if (deps.citizens) registerCitizenRoutes(app, deps, deps.citizens.verifier, deps.citizens.registryName);
  if (deps.postal) registerPostalRoutes(app, deps, deps.postal);
}

function gatewayServer(deps: ApiDeps, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: deps.config.http.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    ...requestLogging(), // trace id on every line; health and metrics requests at debug
    // fastify's default strips properties a schema does not allow (removeAdditional): a misspelt filter of a bulk
    // action (`dossier` for `dossierCode`, `dry_run`) then vanished and the action touched everything. Refused instead.
    ajv: { customOptions: { removeAdditional: false } },
    // A path fastify's router refuses (broken percent-encoding, a segment over its length limit) answers in the
    // gateway's error shape, not fastify's.
    frameworkErrors: (error, request, reply) => sendError(request, reply, fromFastifyError(error)),
  });
  installErrorHandling(app);
  // Response schemas document (OpenAPI); they never filter or reshape what a handler returns.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Only application/json and application/xml are parsed; anything else is refused with 415.
  app.removeAllContentTypeParsers();
  registerOpenApi(app);
  registerHealthRoutes(app, deps);
  return app;
}

/** What operators and monitoring use: the admin API, its dashboard, the queue board and /metrics. */
function operatorRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerMetricsRoute(app, deps.metrics);
  app.register(adminRoutes, { ...deps, prefix: '/admin/api' });
  app.register(dashboardRoutes, { prefix: '/admin' });
  registerQueueBoard(app, deps.queues, deps.config.admins);
}

/** The partners' listener: /v1, /v2, bank callbacks, docs and health; operator routes too unless http.ops is set. */
export function buildApiServer(deps: ApiDeps, logger: Logger): FastifyInstance {
  const app = gatewayServer(deps, logger);
  app.register(partnerRoutes, deps);
  // Banks authenticate by signature, not by partner API key: their own encapsulated group.
  if (deps.payments) app.register(paymentCallbackRoutes, { deps, payments: deps.payments });
  if (deps.submissionPush) app.register(submissionPushRoutes, { deps, poller: deps.submissionPush });
  if (!deps.config.http.ops) operatorRoutes(app, deps);
  return app;
}

/** The listener on http.ops (an internal interface): operator routes, health and docs of its own; no partner route. */
export function buildOpsServer(deps: ApiDeps, logger: Logger): FastifyInstance {
  const app = gatewayServer(deps, logger);
  operatorRoutes(app, deps);
  return app;
}
