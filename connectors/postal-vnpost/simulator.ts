import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import type { ShipmentState } from '../../src/postal/postal-types.ts';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { callbackSignature, codeOf } from './mapping.ts';
import { vnpostOptionsOf } from './options.ts';

export interface CarrierFaults extends SimulatorFaults {
  /** Send the journey's events newest first. */
  outOfOrder?: boolean;
  /** Send every event twice. */
  duplicateEvents?: boolean;
  /** The citizen is not home: delivery fails and the item is returned. */
  failDelivery?: boolean;
  /** Emit nothing by itself (tests drive events with POST /_sim/emit). */
  manualEvents?: boolean;
}

export interface CarrierOrder {
  order: Record<string, unknown>;
  itemCode: string;
  createdAt: number;
  callbacks: Array<{ states: ShipmentState[]; statusCode: number; reply: unknown }>;
}

const journey: ShipmentState[] = ['accepted', 'picked-up', 'in-transit', 'delivered'];
/** Event times are this far apart (time compression: a day's journey in seconds). */
const stepSpacingMs = 1000;
const failedJourney: ShipmentState[] = ['accepted', 'picked-up', 'in-transit', 'delivery-failed', 'returned'];

/**
 * Imitates the public postal service: OAuth2 tokens, order creation (the gateway's signature checked, one item per
 * order number), then a realistic journey of tracking events sent to the gateway with time compression (one step
 * every `stepMs`, default 2 s; event times a second apart), HMAC-signed. Faults:
 * outOfOrder, duplicateEvents, failDelivery, manualEvents, and the kit's failNext/latencyMs/hangNext on creation.
 */
export function buildVnpostSimulator(options: Record<string, unknown>, gatewayCallbackUrl?: () => string): FastifyInstance {
  const config = vnpostOptionsOf(options);
  const stepMs = Number(options.stepMs ?? 2000);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const orders = new Map<string, CarrierOrder>();
  const tokens = new Set<string>();
  const kit = new SimulatorKit<CarrierOrder>(app, options, () => orders.clear());
  let configuredCallbackUrl: string | undefined;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));

  app.post(config.tokenPath, async (req, reply) => {
    if (req.headers.authorization !== `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`) return reply.code(401).send({ error: 'invalid_client' });
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    return { access_token: token, token_type: 'Bearer', expires_in: 3600 };
  });

  /** Sends the given steps of an order's journey as one callback each, in the order given. */
  const emit = async (order: CarrierOrder, states: ShipmentState[], times: number[]) => {
    const callbackUrl = configuredCallbackUrl ?? gatewayCallbackUrl?.();
    if (!callbackUrl) throw new Error('simulator has no callbackUrl (started by the sandbox, or POST /_sim/config)');
    for (let i = 0; i < states.length; i++) {
      const state = states[i]!;
      const event = { EventId: randomUUID(), OrderNumber: order.order.OrderNumber, ItemCode: order.itemCode, StatusCode: codeOf(state), StatusMessage: state, OccurredAt: toCompactVnTime(times[i]!), Location: 'Bưu cục trung tâm' };
      const copies = (kit.faults as CarrierFaults).duplicateEvents ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const body = Buffer.from(JSON.stringify({ events: [event] }));
        const timestamp = String(Date.now());
        const res = await request(callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-vnpost-timestamp': timestamp, 'x-vnpost-signature': callbackSignature(config.callbackSecret, timestamp, body) },
          body,
        });
        order.callbacks.push({ states: [state], statusCode: res.statusCode, reply: await res.body.json().catch(() => undefined) });
      }
    }
  };

  /** The whole journey, one step per stepMs; out of order means all of it sent newest first at the end. */
  const travel = (order: CarrierOrder) => {
    const faults = kit.faults as CarrierFaults;
    if (faults.manualEvents) return;
    const states = faults.failDelivery ? failedJourney : journey;
    const times = states.map((_, i) => order.createdAt + (i + 1) * stepSpacingMs);
    if (faults.outOfOrder) {
      setTimeout(() => void emit(order, [...states].reverse(), [...times].reverse()).catch(() => {}), stepMs).unref();
      return;
    }
    states.forEach((state, i) => setTimeout(() => void emit(order, [state], [times[i]!]).catch(() => {}), stepMs * (i + 1)).unref());
  };

  app.post(config.createPath, async (req, reply) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return reply.code(401).send({ error: 'invalid token' });
    if (await kit.injectFaults(reply, { error: 'injected fault' })) return reply;
    try {
      await kit.verifyGatewaySignature(req);
    } catch (err) {
      return reply.code(400).send({ error: `signature refused: ${(err as Error).message}` });
    }
    const order = (req.body as RawJson).json as Record<string, unknown>;
    if (order.CustomerCode !== config.customerCode || typeof order.OrderNumber !== 'string') return reply.code(400).send({ error: 'bad order' });
    const existing = orders.get(order.OrderNumber);
    if (existing) return { OrderNumber: order.OrderNumber, ItemCode: existing.itemCode, duplicate: true };
    const created: CarrierOrder = { order, itemCode: `EB${String(Date.now()).slice(-8)}${randomBytes(1).toString('hex').toUpperCase()}VN`, createdAt: Date.now(), callbacks: [] };
    orders.set(order.OrderNumber, created);
    kit.received.set(order.OrderNumber, created);
    travel(created);
    return reply.code(201).send({ OrderNumber: order.OrderNumber, ItemCode: created.itemCode });
  });

  app.post('/_sim/emit', async (req, reply) => {
    const { orderNumber, states } = (req.body as RawJson).json as { orderNumber: string; states: ShipmentState[] };
    const order = orders.get(orderNumber);
    if (!order) return reply.code(404).send({ error: `no order ${orderNumber}` });
    // Each state's time is its place in the journey, so sending them in any order tests ordering.
    const times = states.map((s) => order.createdAt + (1 + failedJourney.concat(journey).indexOf(s)) * stepSpacingMs);
    await emit(order, states, times);
    return { callbacks: order.callbacks.slice(-states.length) };
  });
  app.post('/_sim/config', async (req) => {
    configuredCallbackUrl = ((req.body as RawJson).json as { callbackUrl?: string }).callbackUrl ?? configuredCallbackUrl;
    return { callbackUrl: configuredCallbackUrl };
  });
  return app;
}

export async function startVnpostSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildVnpostSimulator(options.options, options.callbackUrl);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
