import { randomInt } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson } from '../../src/connectors/simulator-kit.ts';
import { detailChecksum, sameChecksum, transactionChecksum, transactionChecksumInput } from './checksum.ts';
import type { CreateTransactionRequest } from './mapping.ts';
import { paygovOptionsOf, type PaygovOptions } from './options.ts';

/** How the simulated platform misbehaves when a citizen pays. */
export type PaygovFault = 'none' | 'duplicate' | 'wrong-amount' | 'bad-checksum' | 'unknown-transaction' | 'no-callback' | 'delayed';

export interface PaygovPayInstruction {
  transactionId: string;
  outcome?: 'paid' | 'failed';
  fault?: PaygovFault;
  /** For 'delayed': wait this long before calling back. */
  delayMs?: number;
  /** Send this many identical callbacks at once (concurrency tests). */
  copies?: number;
}

/** One callback the platform sent, and what the province answered. */
export interface PaygovCallbackExchange {
  transactionId: string;
  body: Record<string, unknown>;
  statusCode: number;
  reply: unknown;
}

interface Transaction {
  request: CreateTransactionRequest;
  state: 'created' | 'paid' | 'failed';
  transactionCode: string;
}

/**
 * Imitates the national payment platform as the public client (VietOpenCPS PayGateIntegrationActionImpl) shows
 * it: it checks a create request's check_sum (hashKey1) and answers `{error: "0", msg, payment_url}`; when the
 * citizen pays it POSTs the callback (`status`, check_sum with hashKey2) to the province's registered callback
 * URL; it answers detail requests in the gateway's documented profile. Kit faults (`failNext`, `latencyMs`)
 * apply to create and detail; `instantCallback: true` pays and calls back before answering the create request.
 */
export function buildPaygovSimulator(rawOptions: Record<string, unknown>, gatewayCallbackUrl?: () => string): FastifyInstance {
  const options = paygovOptionsOf(rawOptions);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const transactions = new Map<string, Transaction>();
  const exchanges: PaygovCallbackExchange[] = [];
  let configuredCallbackUrl: string | undefined;
  const kit = new SimulatorKit<CreateTransactionRequest>(app, rawOptions, () => {
    transactions.clear();
    exchanges.length = 0;
  });
  const baseUrl = () => {
    const address = app.server.address();
    return typeof address === 'object' && address ? `http://${address.address}:${address.port}` : '';
  };

  app.post(options.createTransactionEndpoint, async (req, reply) => {
    if (await kit.injectFaults(reply, { error: '99', msg: 'injected fault' })) return reply;
    const create = (req.body as RawJson).json as CreateTransactionRequest;
    const problem = createProblem(create, options);
    if (problem) return { error: '1', msg: problem };
    const transaction = transactions.get(create.transaction_id) ?? { request: create, state: 'created', transactionCode: String(randomInt(100_000_000, 999_999_999)) };
    transactions.set(create.transaction_id, transaction);
    kit.received.set(create.transaction_id, create);
    if (kit.faults.instantCallback) {
      transaction.state = 'paid';
      await callback(transaction, 'none');
    }
    return { error: '0', msg: 'success', payment_url: `${baseUrl()}/pay/${encodeURIComponent(create.transaction_id)}` };
  });

  app.get<{ Params: { transactionId: string } }>('/pay/:transactionId', async (req, reply) => {
    const transaction = transactions.get(req.params.transactionId);
    if (!transaction) return reply.code(404).type('text/html').send('<h1>Không tìm thấy giao dịch</h1>');
    return reply.type('text/html').send(`<!doctype html><meta charset="utf-8"><h1>Nền tảng thanh toán (mô phỏng)</h1><p>${Number(transaction.request.trans_amount).toLocaleString('vi-VN')} ₫</p>`);
  });

  /** The callback the platform sends about a transaction, checksummed; faults change it before or after. */
  function callbackBody(transaction: Transaction, fault: PaygovFault): Record<string, unknown> {
    const r = transaction.request;
    const transAmount = fault === 'wrong-amount' ? String(Number(r.trans_amount) - 1000) : r.trans_amount;
    const transactionId = fault === 'unknown-transaction' ? `UNKNOWN${transaction.transactionCode}` : r.transaction_id;
    const fields = { additionFee: r.addition_fee, clientId: r.client_id, command: r.command, transAmount, transactionId, version: r.version };
    return {
      client_id: r.client_id,
      transaction_id: transactionId,
      transaction_code: transaction.transactionCode,
      trans_amount: transAmount,
      payment_fee: '0',
      command: r.command,
      addition_fee: r.addition_fee,
      version: r.version,
      description: r.description,
      locale: r.locale,
      country_code: r.country_code,
      currency_code: r.currency_code,
      environment: r.environment,
      status: transaction.state === 'paid' ? 0 : 1,
      check_sum: transactionChecksum(fault === 'bad-checksum' ? `${options.hashKey2}-wrong` : options.hashKey2, fields),
    };
  }

  async function callback(transaction: Transaction, fault: PaygovFault): Promise<PaygovCallbackExchange> {
    const url = configuredCallbackUrl ?? gatewayCallbackUrl?.();
    if (!url) throw new Error('simulator has no callback URL (started by the sandbox, or POST /_sim/config)');
    const body = callbackBody(transaction, fault);
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.body.text();
    let reply: unknown = text;
    try {
      reply = JSON.parse(text);
    } catch {
      // kept as text
    }
    const exchange = { transactionId: String(body.transaction_id), body, statusCode: res.statusCode, reply };
    exchanges.push(exchange);
    return exchange;
  }

  app.post('/_sim/pay', async (req, reply) => {
    const body = (req.body as RawJson).json as PaygovPayInstruction;
    const transaction = transactions.get(body.transactionId);
    if (!transaction) return reply.code(404).send({ error: `no transaction ${body.transactionId}` });
    if (transaction.state === 'created') transaction.state = body.outcome ?? 'paid';
    const fault = body.fault ?? 'none';
    if (fault === 'no-callback') return { sent: [] };
    if (fault === 'delayed') {
      setTimeout(() => void callback(transaction, 'none').catch(() => {}), Number(body.delayMs ?? 1000)).unref();
      return { sent: [], delayed: true };
    }
    if (fault === 'duplicate') return { sent: [await callback(transaction, 'none'), await callback(transaction, 'none')] };
    const copies = Math.max(1, Number(body.copies ?? 1));
    return { sent: await Promise.all(Array.from({ length: copies }, () => callback(transaction, fault))) };
  });

  app.post(options.detailTransactionEndpoint, async (req, reply) => {
    if (await kit.injectFaults(reply, { error: '99', msg: 'injected fault' })) return reply;
    const q = (req.body as RawJson).json as Record<string, string>;
    if (q.client_id !== options.clientId || !sameChecksum(detailChecksum(options.hashKey1, q.client_id, q.command ?? '', q.transaction_id ?? ''), q.check_sum)) {
      return { error: '2', msg: 'check_sum invalid' };
    }
    const transaction = transactions.get(q.transaction_id!);
    if (!transaction) return { error: '1', msg: 'transaction not found' };
    const { status, ...answer } = callbackBody(transaction, 'none');
    return { error: '0', msg: 'success', ...answer, ...(transaction.state === 'created' ? {} : { status }) };
  });

  app.get('/_sim/state', async () => ({ transactions: Object.fromEntries(transactions), callbacks: exchanges }));
  app.post('/_sim/config', async (req) => {
    configuredCallbackUrl = ((req.body as RawJson).json as { callbackUrl?: string }).callbackUrl ?? configuredCallbackUrl;
    return { callbackUrl: configuredCallbackUrl };
  });
  return app;
}

/** Why the platform would refuse a create request, if it would. */
function createProblem(create: CreateTransactionRequest, options: PaygovOptions): string | undefined {
  if (!create || typeof create !== 'object') return 'body is not a JSON object';
  if (create.client_id !== options.clientId) return 'client_id unknown';
  for (const key of ['transaction_id', 'trans_amount', 'command', 'version', 'addition_fee', 'check_sum'] as const) {
    if (typeof create[key] !== 'string' || create[key] === '') return `${key} missing`;
  }
  const fields = { additionFee: create.addition_fee, clientId: create.client_id, command: create.command, transAmount: create.trans_amount, transactionId: create.transaction_id, version: create.version };
  if (!sameChecksum(transactionChecksum(options.hashKey1, fields), create.check_sum)) return `check_sum invalid (over ${transactionChecksumInput({ ...fields })})`;
  const bill = create.bill_info;
  if (!bill || !Array.isArray(bill.PhiLePhi) || bill.PhiLePhi.length === 0 || !bill.MaHoSo || !bill.MaDonVi) return 'bill_info incomplete';
  return undefined;
}

export async function startPaygovSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildPaygovSimulator(options.options, options.callbackUrl);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
