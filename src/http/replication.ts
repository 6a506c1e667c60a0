import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { ReplicationPending, type ReplicaAcks, type ReplicationTicket } from '../redis/replica-acks.ts';
import { GatewayError } from './errors.ts';

/**
 * The last step before acknowledging a write (redis.minReplicasAcked): enough replicas have it, or the partner gets
 * 503 REPLICATION_PENDING. The write may then exist or not (a failover may lose it); the partner retries with the
 * same Idempotency-Key, and the retry is answered as a duplicate of the original or stores it anew.
 */
export async function confirmReplicated(ticket: ReplicationTicket, log: FastifyBaseLogger): Promise<void> {
  try {
    await ticket.confirmed();
  } catch (err) {
    if (!(err instanceof ReplicationPending)) throw err;
    log.warn({ err: err.message }, 'write not yet on enough replicas; answered 503');
    throw new GatewayError('REPLICATION_PENDING', `written, but not yet on enough Redis replicas (${err.message}): a failover may lose it; retry (with the same Idempotency-Key, a duplicate is answered with the original)`, [], { 'retry-after': '2' });
  }
}

/**
 * The same rule for a group of routes where every successful non-GET answer reports writes (the admin API: a retried
 * dead letter, a review decision, a refund): a ticket per request, confirmed before a 2xx leaves.
 */
export function confirmWritesBeforeAnswering(app: FastifyInstance, replicas: ReplicaAcks): void {
  if (!replicas.enabled) return;
  const tickets = new WeakMap<FastifyRequest, ReplicationTicket>();
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') tickets.set(request, replicas.ticket());
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const ticket = tickets.get(request);
    if (!ticket || reply.statusCode >= 300) return payload;
    try {
      await confirmReplicated(ticket, request.log);
      return payload;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      request.errorCode = err.code;
      reply.code(err.statusCode).headers({ ...err.headers, 'content-type': 'application/json; charset=utf-8' });
      return JSON.stringify({ error: err.code, message: err.message, details: err.details });
    }
  });
}
