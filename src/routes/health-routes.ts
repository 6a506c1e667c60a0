import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';

/** Liveness says the process answers; readiness says it can accept messages (Redis reachable, trust loaded). */
export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
}
