import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';

/** Prometheus text format. Bind the gateway to an internal interface: metrics name partners and destinations. */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}

/** Liveness says the process answers; readiness says it can accept and deliver messages (see gateway.ts). */
export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/health/live', async () => ({ status: 'ok' }));
  registerMetricsRoute(app, deps.metrics);
  app.get('/health/ready', async (_request, reply) => {
    const { checks, details } = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks, details });
  });
}
