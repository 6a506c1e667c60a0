import Fastify, { type FastifyInstance } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson } from '../../src/connectors/simulator-kit.ts';
import type { ProvincialEvent } from './mapping.ts';
import { provincialOptionsOf } from './options.ts';

export interface ReceivedEvent {
  idempotencyKey: string;
  signer?: string;
  event: ProvincialEvent;
  /** The trace headers as they came. */
  traceId?: string;
  traceparent?: string;
  receivedAt: string;
}

/**
 * Imitates the province's one-stop system endpoint for gateway events: checks the gateway's key and signature,
 * applies each Idempotency-Key once and records it; faults and reads under /_sim/*.
 */
export function buildProvincialSimulator(options: Record<string, unknown>): FastifyInstance {
  const { apiKey, eventsPath } = provincialOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const kit = new SimulatorKit<ReceivedEvent>(app, options);
  kit.stats.requests = 0;

  app.post(eventsPath, async (request, reply) => {
    kit.count('requests');
    if (request.headers.authorization !== `Bearer ${apiKey}`) return reply.code(401).send({ error: 'unauthorized' });
    if (await kit.injectFaults(reply, { error: 'injected fault' })) return reply;
    const idempotencyKey = request.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || !idempotencyKey) return reply.code(400).send({ error: 'Idempotency-Key required' });
    let signer: string | undefined;
    try {
      signer = await kit.verifyGatewaySignature(request);
    } catch (err) {
      return reply.code(400).send({ error: `signature refused: ${(err as Error).message}` });
    }
    const event = (request.body as RawJson).json as ProvincialEvent;
    if (!event || typeof event.type !== 'string' || typeof event.dossierCode !== 'string') return reply.code(400).send({ error: 'not a gateway event' });
    if (kit.received.has(idempotencyKey)) return { status: 'duplicate' };
    const { 'x-trace-id': traceId, traceparent } = request.headers as Record<string, string | undefined>;
    kit.received.set(idempotencyKey, { idempotencyKey, signer, event, traceId, traceparent, receivedAt: new Date().toISOString() });
    return { status: 'applied' };
  });
  return app;
}

export async function startProvincialSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildProvincialSimulator(options.options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
