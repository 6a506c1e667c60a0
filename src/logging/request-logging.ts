import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { traceIdOfRequest } from '../observability/trace-context.ts';
import { lazyChild } from './lazy-child.ts';
import type { Logger } from './logger.ts';

/** Polled by load balancers, orchestrators and Prometheus every few seconds: a line each at info would drown the log. */
const isOpsProbe = (url: string) => {
  const path = url.split('?')[0]!;
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
};

/**
 * fastify's request lines ("incoming request", "request completed") at debug for health and metrics requests, at
 * info for everything else. Errors keep their level: a failing probe is worth a line.
 */
class OpsProbesAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isOpsProbe(request.url)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isOpsProbe(request.url)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * Every line a request writes carries its trace id (from traceparent or X-Trace-Id, or a new one), bound when
 * fastify makes the request's logger, before any hook: the refusal of a bad signature is as traceable as a delivery.
 */
const withTraceId: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options, rawRequest) =>
  lazyChild(logger as Logger, { ...bindings, traceId: traceIdOfRequest(rawRequest) }, options) as unknown as ReturnType<typeof logger.child>;

/** The fastify options that shape request logging, for every server the gateway runs. */
export const requestLogging = () => ({ logController: new OpsProbesAtDebug(), childLoggerFactory: withTraceId });
