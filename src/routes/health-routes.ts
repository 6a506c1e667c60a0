import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';

/** Prometheus text format. Bind the gateway to an internal interface: metrics name partners and destinations. */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}

/** Liveness says the process answers; readiness says it can accept and deliver messages (see gateway.ts). */
export function registerHealthRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'readiness'>): void {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const { checks, details } = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    const reasons = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => reasonFor(name, details));
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', ...(ready ? {} : { reasons }), checks, details });
  });
}

/** One line per failing check, for the operator reading /health/ready or a load balancer's log. */
function reasonFor(check: string, details: Record<string, unknown>): string {
  switch (check) {
    case 'redis':
      return 'Redis does not answer';
    case 'redisMemory':
      return (details.redisMemory as { reason?: string } | undefined)?.reason ?? 'Redis memory is near its limit';
    case 'trustStore':
      return 'no trust anchor is loaded (trust.directories)';
    case 'clock':
      return `this host's clock is ${details.clockSkewMs ?? '?'} ms away from Redis's: freshness checks would refuse honest partners`;
    case 'workers':
      return 'a delivery worker of this process has stopped';
    default:
      return `${check} failed`;
  }
}
