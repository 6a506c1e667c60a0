import { X509Certificate, randomInt } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson } from '../../src/connectors/simulator-kit.ts';
import { issueCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms, type CmsSigner } from '../../src/signatures/sign-cms.ts';
import type { PlatformCreateRequest, PlatformTransaction } from './mapping.ts';
import { platformOptionsOf } from './options.ts';

export type PlatformFault = 'none' | 'duplicate' | 'wrong-amount' | 'bad-signature' | 'untrusted-signer' | 'unknown-order' | 'no-callback' | 'delayed';

export interface PlatformPayInstruction {
  orderId: string;
  outcome?: 'paid' | 'failed';
  fault?: PlatformFault;
  delayMs?: number;
  copies?: number;
}

export interface CallbackExchange {
  orderId: string;
  statusCode: number;
  reply: unknown;
}

interface Order {
  request: PlatformCreateRequest;
  transaction?: PlatformTransaction;
}

/** The platform's signing identity: its own CA and an RSA signer, made at start (or given as options). */
export function createPlatformIdentity(): { signer: CmsSigner; trustAnchorPem: string; fingerprint256: string } {
  const root = issueCertificate({ commonName: 'Simulated Payment Platform Root CA', organization: 'Simulated Bank', isCa: true });
  const leaf = issueCertificate({ commonName: 'Simulated Payment Platform Callbacks', organization: 'Simulated Bank', issuer: root });
  return {
    signer: { certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem },
    trustAnchorPem: root.certificatePem,
    fingerprint256: new X509Certificate(leaf.certificatePem).fingerprint256,
  };
}

/**
 * Imitates the payment platform: takes signed orders (checking the gateway's signature), shows a pay page, calls
 * the order's callbackUrl with a CMS-signed JSON body when the citizen pays (with injected faults), and answers
 * signed queries. Kit faults apply to order creation; `instantCallback: true` calls back before answering the
 * create request (a callback racing its own order).
 */
export function buildPlatformSimulator(options: Record<string, unknown>, signer: CmsSigner): FastifyInstance {
  const { merchantId, createPath, queryPath } = platformOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const orders = new Map<string, Order>();
  const exchanges: CallbackExchange[] = [];
  const kit = new SimulatorKit<PlatformCreateRequest>(app, options, () => {
    orders.clear();
    exchanges.length = 0;
  });
  let outsider: CmsSigner | undefined;

  const transactionOf = (order: Order, outcome: 'paid' | 'failed'): PlatformTransaction => ({
    merchantId,
    orderId: order.request.orderId,
    transactionId: String(randomInt(100_000_000, 999_999_999)),
    amount: order.request.amount,
    currency: 'VND',
    status: outcome === 'paid' ? 'SUCCESS' : 'FAILED',
    bankCode: 'VCB',
    paidAt: new Date().toISOString(),
  });

  const callback = async (order: Order, fault: PlatformFault): Promise<CallbackExchange> => {
    const t = order.transaction!;
    let sent: PlatformTransaction = { ...t };
    if (fault === 'wrong-amount') sent.amount = t.amount - 1000;
    if (fault === 'unknown-order') sent = { ...sent, orderId: `UNKNOWN${t.transactionId}` };
    let body = Buffer.from(JSON.stringify(sent));
    const signature = signCms(body, fault === 'untrusted-signer' ? (outsider ??= createPlatformIdentity().signer) : signer);
    if (fault === 'bad-signature') body = Buffer.from(JSON.stringify({ ...sent, amount: t.amount * 10 }));
    const res = await request(order.request.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': signature }, body });
    const exchange = { orderId: sent.orderId, statusCode: res.statusCode, reply: await res.body.json().catch(() => undefined) };
    exchanges.push(exchange);
    return exchange;
  };

  app.post(createPath, async (req, reply) => {
    if (await kit.injectFaults(reply, { code: '99', message: 'injected fault' })) return reply;
    try {
      await kit.verifyGatewaySignature(req);
    } catch (err) {
      return reply.code(401).send({ code: '97', message: (err as Error).message });
    }
    const create = (req.body as RawJson).json as PlatformCreateRequest;
    if (create.merchantId !== merchantId || !create.orderId || !create.callbackUrl) return reply.code(400).send({ code: '98', message: 'bad order' });
    const order: Order = orders.get(create.orderId) ?? { request: create };
    orders.set(create.orderId, order);
    kit.received.set(create.orderId, create);
    if (kit.faults.instantCallback) {
      order.transaction = transactionOf(order, 'paid');
      await callback(order, 'none');
    }
    return reply.code(201).send({ orderId: create.orderId, paymentUrl: `${baseUrl()}/pay/${encodeURIComponent(create.orderId)}` });
  });

  let baseUrl = () => '';
  app.addHook('onReady', async () => {
    baseUrl = () => {
      const address = app.server.address();
      return typeof address === 'object' && address ? `http://${address.address}:${address.port}` : '';
    };
  });

  app.get<{ Params: { orderId: string } }>('/pay/:orderId', async (req, reply) => {
    const order = orders.get(req.params.orderId);
    if (!order) return reply.code(404).type('text/html').send('<h1>Không tìm thấy đơn hàng</h1>');
    return reply.type('text/html').send(`<!doctype html><meta charset="utf-8"><h1>Nền tảng thanh toán (mô phỏng)</h1><p>${order.request.amount} VND</p>`);
  });

  app.post('/_sim/pay', async (req, reply) => {
    const body = (req.body as RawJson).json as PlatformPayInstruction;
    const order = orders.get(body.orderId);
    if (!order) return reply.code(404).send({ error: `no order ${body.orderId}` });
    order.transaction ??= transactionOf(order, body.outcome ?? 'paid');
    const fault = body.fault ?? 'none';
    if (fault === 'no-callback') return { sent: [] };
    if (fault === 'delayed') {
      setTimeout(() => void callback(order, 'none').catch(() => {}), body.delayMs ?? 1000).unref();
      return { sent: [], delayed: true };
    }
    const copies = fault === 'duplicate' ? 2 : Math.max(1, body.copies ?? 1);
    const sent = [];
    if (fault === 'duplicate') for (let i = 0; i < copies; i++) sent.push(await callback(order, 'none'));
    else sent.push(...(await Promise.all(Array.from({ length: copies }, () => callback(order, fault)))));
    return { sent };
  });

  app.get<{ Params: { orderId: string } }>(queryPath.replace('{orderId}', ':orderId'), async (req, reply) => {
    const order = orders.get(req.params.orderId);
    if (!order) return reply.code(404).send({ code: '01', message: 'order not found' });
    const answer = order.transaction ?? { merchantId, orderId: order.request.orderId, status: 'PENDING' };
    const body = Buffer.from(JSON.stringify(answer));
    return reply.header('content-type', 'application/json').header('x-signature', signCms(body, signer)).send(body);
  });

  app.get('/_sim/state', async () => ({ orders: Object.fromEntries(orders), callbacks: exchanges }));
  return app;
}

export async function startPlatformSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const identity = createPlatformIdentity();
  const app = buildPlatformSimulator(options.options, identity.signer);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, publishes: { trustAnchorPem: identity.trustAnchorPem, signerFingerprint256: identity.fingerprint256 }, close: () => app.close() };
}
