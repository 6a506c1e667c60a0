import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import type { VnpostOrderBody } from './order-body.ts';
import { vnpostOptionsOf } from './options.ts';
import { vnpostCodeOf } from './status-codes.ts';
import type { VnpostTrackingDoc } from './tracking-feed.ts';

export interface CarrierFaults extends SimulatorFaults {
  /** The journey's records are written newest first, all at once (ids ascending, event times descending). */
  outOfOrder?: boolean;
  /** Pages are served in reverse id order (the highest id first). */
  reversePages?: boolean;
  /** Every page repeats its records, and starts again at the record it was asked to follow (`_id >= lastId`). */
  duplicates?: boolean;
  /** A token stops working after this many calls (401), as one expiring in the middle of a long read. */
  tokenLifetimeCalls?: number;
  /** No journey by itself: tests write records with POST /_sim/emit. */
  manualEvents?: boolean;
}

/** An order the simulator took, for tests (GET /_sim/received). */
export interface CarrierOrder {
  order: VnpostOrderBody;
  itemCode: string;
  createdAt: number;
  status: 'open' | 'delivered' | 'cancelled';
}

const orderFields: Array<keyof VnpostOrderBody> = [
  'CustomerCode', 'OrderNumber', 'CODAmount', 'SenderProvince', 'SenderDistrict', 'SenderAddress', 'SenderName', 'SenderEmail', 'SenderTel',
  'SenderDesc', 'Description', 'ReceiverName', 'ReceiverAddress', 'ReceiverTel', 'ReceiverProvince', 'ReceiverDistrict', 'ReceiverEmail',
];
const integerFields = new Set(['SenderProvince', 'SenderDistrict', 'ReceiverProvince', 'ReceiverDistrict']);
/** The whole journey: registered, on its way, handed over (status-codes.ts). */
const journey = [vnpostCodeOf('accepted'), vnpostCodeOf('in-transit'), vnpostCodeOf('delivered')];
const cancelledCode = vnpostCodeOf('cancelled');
/** Event times are this far apart (time compression: a day's journey in seconds). */
const stepSpacingMs = 1000;

/** What the order fields must be, as MOrder types them; the first problem, or undefined. */
function orderProblem(order: Record<string, unknown>, customerCode: string): string | undefined {
  for (const field of orderFields) if (!(field in order)) return `${field} missing`;
  for (const field of Object.keys(order)) if (!orderFields.includes(field as keyof VnpostOrderBody)) return `${field} unknown`;
  for (const field of integerFields) if (!Number.isInteger(order[field])) return `${field} must be an integer`;
  if (typeof order.CODAmount !== 'number') return 'CODAmount must be a number';
  if (order.CustomerCode !== customerCode) return 'CustomerCode unknown';
  if (typeof order.OrderNumber !== 'string' || !order.OrderNumber) return 'OrderNumber missing';
  return undefined;
}

/**
 * Imitates VNPost's adapter behind the NGSP (its direct paths; the sandbox puts the platform simulator in front):
 * `order/post` (MOrder checked field by field, one order per OrderNumber), the tracking feed as RESTHeart pages
 * (`?pagesize=&lastId=` → `_embedded["rh:doc"]`, ids ascending), and the cancel (`?CustomerCode=&OrderNumber=`).
 * Each order plays its journey (codes 1, 2, 3; one step every `stepMs`, default 2 s). With consumerKey/Secret in its
 * options it also issues and checks tokens, as the NGSP would. Faults: outOfOrder, reversePages, duplicates,
 * tokenLifetimeCalls, manualEvents, and the kit's failNext/status/latencyMs/hangNext on every call.
 */
export function buildVnpostSimulator(options: Record<string, unknown>): FastifyInstance {
  const config = vnpostOptionsOf(options);
  const stepMs = Number(options.stepMs ?? 2000);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const orders = new Map<string, CarrierOrder>();
  const feed: Array<VnpostTrackingDoc & { _id: { $oid: string } }> = [];
  const tokens = new Map<string, number>(); // token → calls made with it
  const timers = new Set<NodeJS.Timeout>();
  const kit = new SimulatorKit<CarrierOrder>(app, options, () => {
    orders.clear();
    feed.length = 0;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  const faults = () => kit.faults as CarrierFaults;
  const idPrefix = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  let idCounter = 0;
  const nextId = () => idPrefix + (++idCounter).toString(16).padStart(16, '0');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));

  const record = (orderNumber: string, code: number, eventTime: number, itemCode?: string) => {
    feed.push({ _id: { $oid: nextId() }, CustomerCode: config.customerCode, OrderNumber: orderNumber, EventTime: eventTime, POSID: '100000', ItemCode: itemCode, StatusCode: code, StatusMessage: `Trạng thái ${code}`, Notes: '' });
    const order = orders.get(orderNumber);
    if (order && code === vnpostCodeOf('delivered')) order.status = 'delivered';
  };

  /** The journey of a new order, one record per step; out of order means all of it written newest first at once. */
  const travel = (order: CarrierOrder) => {
    if (faults().manualEvents) return;
    const number = order.order.OrderNumber;
    const times = journey.map((_, i) => order.createdAt + (i + 1) * stepSpacingMs);
    const later = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (order.status !== 'cancelled') fn();
      }, ms);
      timer.unref();
      timers.add(timer);
    };
    if (faults().outOfOrder) {
      later(stepMs, () => journey.map((code, i) => [code, times[i]!] as const).reverse().forEach(([code, time]) => record(number, code, time, order.itemCode)));
      return;
    }
    journey.forEach((code, i) => later(stepMs * (i + 1), () => record(number, code, times[i]!, order.itemCode)));
  };

  /** Checks the bearer token when the simulator issues tokens; true when it has answered (401). */
  const refuseToken = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!config.consumerKey) return false;
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const used = token ? tokens.get(token) : undefined;
    const lifetime = faults().tokenLifetimeCalls ?? Infinity;
    if (!token || used === undefined || used >= lifetime) {
      kit.count('refusedTokens');
      reply.code(401).send({ error: 'invalid_token', error_description: 'expired or unknown' });
      return true;
    }
    tokens.set(token, used + 1);
    return false;
  };

  app.post(config.tokenPath, async (req, reply) => {
    const expected = `Basic ${Buffer.from(`${config.consumerKey}:${config.consumerSecret}`).toString('base64')}`;
    if (!config.consumerKey || req.headers.authorization !== expected) return reply.code(401).send({ error: 'invalid_client' });
    if (String(req.body) !== 'grant_type=client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
    const token = randomBytes(16).toString('hex');
    tokens.set(token, 0);
    kit.count('tokens');
    return { access_token: token, token_type: 'Bearer', expires_in: 3600 };
  });

  app.post(config.orderPath, async (req, reply) => {
    if (refuseToken(req, reply)) return reply;
    if (await kit.injectFaults(reply, { Status: 500, Message: 'injected fault' })) return reply;
    try {
      await kit.verifyGatewaySignature(req);
    } catch (err) {
      return reply.code(400).send({ Status: 400, Message: `signature refused: ${(err as Error).message}` });
    }
    const order = (req.body as RawJson | undefined)?.json as Record<string, unknown> | undefined;
    const problem = order && typeof order === 'object' ? orderProblem(order, config.customerCode) : 'body must be a JSON MOrder';
    if (problem) return reply.code(400).send({ Status: 400, Message: problem });
    const body = order as unknown as VnpostOrderBody;
    kit.count('orders');
    if (orders.has(body.OrderNumber)) return { Status: 200, Message: 'Đơn hàng đã tồn tại' };
    const created: CarrierOrder = { order: body, itemCode: `EB${String(Date.now()).slice(-8)}${randomBytes(1).toString('hex').toUpperCase()}VN`, createdAt: Date.now(), status: 'open' };
    orders.set(body.OrderNumber, created);
    kit.received.set(body.OrderNumber, created);
    travel(created);
    return { Status: 200, Message: 'Tạo đơn hàng thành công' };
  });

  app.get<{ Querystring: { pagesize?: string; lastId?: string } }>(config.trackingPath, async (req, reply) => {
    if (refuseToken(req, reply)) return reply;
    if (await kit.injectFaults(reply, { Status: 500, Message: 'injected fault' })) return reply;
    const size = Number(req.query.pagesize);
    const lastId = String(req.query.lastId ?? '');
    if (!Number.isInteger(size) || size < 1 || size > 1000 || !/^[0-9a-f]{24}$/.test(lastId)) return reply.code(400).send({ Status: 400, Message: 'pagesize 1..1000 and lastId (24 hex) required' });
    kit.count('trackingReads');
    const { duplicates, reversePages } = faults();
    let page = feed.filter((doc) => (duplicates ? doc._id.$oid >= lastId : doc._id.$oid > lastId)).slice(0, size);
    if (duplicates) page = page.flatMap((doc) => [doc, doc]).slice(0, size);
    if (reversePages) page = [...page].reverse();
    return { _size: feed.length, _total_pages: Math.max(1, Math.ceil(feed.length / size)), _returned: page.length, _embedded: { 'rh:doc': page } };
  });

  app.get<{ Querystring: { CustomerCode?: string; OrderNumber?: string } }>(config.cancelPath, async (req, reply) => {
    if (refuseToken(req, reply)) return reply;
    if (await kit.injectFaults(reply, { Status: 500, Message: 'injected fault' })) return reply;
    if (req.query.CustomerCode !== config.customerCode) return reply.code(400).send({ Status: 400, Message: 'CustomerCode unknown' });
    const order = orders.get(String(req.query.OrderNumber ?? ''));
    if (!order) return reply.code(404).send({ Status: 404, Message: 'Không tìm thấy đơn hàng' });
    if (order.status !== 'open') return reply.code(400).send({ Status: 400, Message: `Đơn hàng đã ${order.status === 'delivered' ? 'giao' : 'hủy'}, không thể hủy` });
    order.status = 'cancelled';
    // After the order's last event, whatever time compression made of its clock.
    const last = Math.max(0, ...feed.filter((d) => d.OrderNumber === order.order.OrderNumber).map((d) => d.EventTime ?? 0));
    record(order.order.OrderNumber, cancelledCode, Math.max(Date.now(), last + stepSpacingMs), order.itemCode);
    kit.count('cancels');
    return { Status: 200, Message: 'Hủy đơn hàng thành công' };
  });

  /** Writes tracking records, for tests: any order number (one the gateway never created, too), codes in the order given. */
  app.post('/_sim/emit', async (req) => {
    const { orderNumber, codes, eventTimes } = (req.body as RawJson).json as { orderNumber: string; codes: number[]; eventTimes?: number[] };
    const order = orders.get(orderNumber);
    codes.forEach((code, i) => record(orderNumber, code, eventTimes?.[i] ?? (order?.createdAt ?? Date.now()) + (journey.indexOf(code) + 1) * stepSpacingMs, order?.itemCode));
    return { feed: feed.length };
  });
  app.get('/_sim/feed', async () => ({ records: feed }));
  return app;
}

export async function startVnpostSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildVnpostSimulator(options.options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
