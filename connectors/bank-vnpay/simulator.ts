import { randomInt } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { queryRequestHashFields, queryResponseHashFields } from './mapping.ts';
import { vnpayOptionsOf } from './options.ts';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { buildRefundDesk } from './refund-simulator.ts';
import { pipeHash, sameHash, signedDataOf, hmacSha512, verifyParams } from './secure-hash.ts';

/** How the simulated bank misbehaves when a citizen pays. */
export type IpnFault = 'none' | 'duplicate' | 'wrong-amount' | 'bad-signature' | 'unknown-order' | 'no-ipn' | 'delayed';

/**
 * What happened at the bank. Beyond paid/failed, the codes that need a merchant's decision
 * (npm vnpay response-map.constant.ts): suspect = vnp_ResponseCode 07 with the debit done (status 00);
 * reversed = vnp_TransactionStatus 04 (debited at the bank, not completed at VNPAY; response code 99);
 * fraud = vnp_TransactionStatus 07 with response code 07.
 */
export type PayOutcome = 'paid' | 'failed' | 'suspect' | 'reversed' | 'fraud';

const outcomeCodes: Record<PayOutcome, { responseCode: string; transactionStatus: string }> = {
  paid: { responseCode: '00', transactionStatus: '00' },
  failed: { responseCode: '24', transactionStatus: '02' },
  suspect: { responseCode: '07', transactionStatus: '00' },
  reversed: { responseCode: '99', transactionStatus: '04' },
  fraud: { responseCode: '07', transactionStatus: '07' },
};

/** Faults of the refund API, each applied to the next refund request only. */
export interface RefundFaults {
  /** Answer this vnp_ResponseCode (e.g. 95, 94, 91, 99), signed, refunding nothing. */
  refuseNext?: string;
  /** Answer this HTTP status with no JSON. */
  failNext?: number;
  /** Answer after this long (past the gateway's timeout: no answer it can use; the refund is NOT made). */
  hangNextMs?: number;
  /** Sign the answer with a wrong secret. */
  badSignatureNext?: boolean;
}

export interface PayInstruction {
  txnRef: string;
  outcome?: PayOutcome;
  fault?: IpnFault;
  /** For 'delayed': wait this long before the IPN. */
  delayMs?: number;
  /** Send this many identical IPNs at once (concurrency tests). */
  copies?: number;
}

interface SimulatedPayment {
  params: Record<string, string>;
  state: 'created' | PayOutcome;
  /** VND × 100 refunded so far. */
  refunded: number;
  transactionNo?: string;
  payDate?: string;
  bankCode?: string;
}

export interface IpnExchange {
  txnRef: string;
  params: Record<string, string>;
  statusCode: number;
  reply: unknown;
}

/**
 * Imitates a VNPAY-style gateway: the signed pay page, a "pay" action that sends signed IPNs to the merchant (with
 * injected faults), and the querydr API. State and IPN replies are readable under /_sim/*.
 */
export function buildVnpaySimulator(rawOptions: Record<string, unknown>, gatewayCallbackUrl?: () => string): FastifyInstance {
  const options = vnpayOptionsOf(rawOptions);
  let configuredCallbackUrl: string | undefined;
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const payments = new Map<string, SimulatedPayment>();
  const exchanges: IpnExchange[] = [];
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));

  app.get(options.payPath, async (req, reply) => {
    const params = req.query as Record<string, string>;
    if (!verifyParams(params, options.hashSecret) || params.vnp_TmnCode !== options.tmnCode) {
      return reply.code(400).type('text/html').send('<h1>Sai chữ ký (code 70)</h1>');
    }
    payments.set(params.vnp_TxnRef!, payments.get(params.vnp_TxnRef!) ?? { params, state: 'created', refunded: 0 });
    const amount = Number(params.vnp_Amount) / 100;
    return reply.type('text/html').send(`<!doctype html><html lang="vi"><meta charset="utf-8"><title>Cổng thanh toán (mô phỏng)</title>
<h1>Thanh toán ${amount.toLocaleString('vi-VN')} ₫</h1><p>${escapeHtml(params.vnp_OrderInfo ?? '')}</p>
<form method="post" action="/_sim/pay"><input type="hidden" name="txnRef" value="${escapeHtml(params.vnp_TxnRef!)}">
<button name="outcome" value="paid">Thanh toán</button> <button name="outcome" value="failed">Hủy</button></form></html>`);
  });

  const sendIpn = async (params: Record<string, string>): Promise<IpnExchange> => {
    const callbackUrl = configuredCallbackUrl ?? gatewayCallbackUrl?.();
    if (!callbackUrl) throw new Error('simulator has no callbackUrl (started by the sandbox, or POST /_sim/config)');
    const res = await request(`${callbackUrl}?${new URLSearchParams(params).toString()}`);
    const text = await res.body.text();
    let reply: unknown = text;
    try {
      reply = JSON.parse(text);
    } catch {
      // the reply is recorded as text
    }
    const exchange = { txnRef: params.vnp_TxnRef!, params, statusCode: res.statusCode, reply };
    exchanges.push(exchange);
    return exchange;
  };

  app.post('/_sim/pay', async (req, reply) => {
    const body = req.body as PayInstruction & { copies?: number | string };
    const payment = payments.get(body.txnRef);
    if (!payment) return reply.code(404).send({ error: `no payment ${body.txnRef}: open its pay URL first` });
    const outcome = body.outcome ?? 'paid';
    if (!(outcome in outcomeCodes)) return reply.code(400).send({ error: `outcome must be one of ${Object.keys(outcomeCodes).join(', ')}` });
    payment.state = outcome;
    payment.transactionNo ??= String(randomInt(10_000_000, 99_999_999));
    payment.payDate ??= toCompactVnTime(Date.now());
    payment.bankCode = 'NCB';
    const ipn = ipnParams(payment, outcome, body.fault ?? 'none');
    const fault = body.fault ?? 'none';
    if (fault === 'no-ipn') return { sent: [] };
    if (fault === 'delayed') {
      setTimeout(() => void sendIpn(ipn).catch(() => {}), Number(body.delayMs ?? 1000)).unref();
      return { sent: [], delayed: true };
    }
    const copies = fault === 'duplicate' ? 2 : Math.max(1, Number(body.copies ?? 1));
    const sent = fault === 'duplicate' ? [await sendIpn(ipn), await sendIpn(ipn)] : await Promise.all(Array.from({ length: copies }, () => sendIpn(ipn)));
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      const back = new URLSearchParams({ ...ipn });
      return reply.type('text/html').send(`<!doctype html><meta charset="utf-8"><p>Đã gửi kết quả (${escapeHtml(JSON.stringify(sent[0]?.reply))}).</p><a href="${escapeHtml(payment.params.vnp_ReturnUrl ?? '#')}?${escapeHtml(back.toString())}">Quay lại</a>`);
    }
    return { sent };
  });

  /** The IPN the bank sends for a payment, signed; faults change it after or instead of signing. */
  function ipnParams(payment: SimulatedPayment, outcome: PayOutcome, fault: IpnFault): Record<string, string> {
    const codes = outcomeCodes[outcome];
    const params: Record<string, string> = {
      vnp_TmnCode: options.tmnCode,
      vnp_Amount: fault === 'wrong-amount' ? String(Number(payment.params.vnp_Amount) - 100_000) : payment.params.vnp_Amount!,
      vnp_BankCode: payment.bankCode ?? 'NCB',
      vnp_BankTranNo: `VNP${payment.transactionNo}`,
      vnp_CardType: 'ATM',
      vnp_OrderInfo: payment.params.vnp_OrderInfo ?? '',
      vnp_PayDate: payment.payDate!,
      vnp_ResponseCode: codes.responseCode,
      vnp_TransactionNo: payment.transactionNo!,
      vnp_TransactionStatus: codes.transactionStatus,
      vnp_TxnRef: fault === 'unknown-order' ? `UNKNOWN${payment.transactionNo}` : payment.params.vnp_TxnRef!,
    };
    params.vnp_SecureHashType = 'HmacSHA512';
    params.vnp_SecureHash = hmacSha512(fault === 'bad-signature' ? `${options.hashSecret}-wrong` : options.hashSecret, signedDataOf(params));
    return params;
  }

  const refunds = buildRefundDesk(options, (txnRef) => payments.get(txnRef));

  // querydr and refund share one endpoint, told apart by vnp_Command (as at VNPAY).
  app.post(options.queryPath, async (req, reply) => {
    const q = req.body as Record<string, string>;
    if (q?.vnp_Command === 'refund') return refunds.answer(q, reply);
    if (!sameHash(pipeHash(options.hashSecret, queryRequestHashFields.map((k) => q[k])), q.vnp_SecureHash)) {
      return reply.send(signedQueryAnswer({ vnp_ResponseCode: '97', vnp_Message: 'Invalid checksum' }));
    }
    const payment = payments.get(q.vnp_TxnRef!);
    if (!payment) return signedQueryAnswer({ vnp_ResponseCode: '91', vnp_Message: 'Not found', vnp_TxnRef: q.vnp_TxnRef });
    return signedQueryAnswer({
      vnp_ResponseCode: '00',
      vnp_Message: 'Query success',
      vnp_TxnRef: q.vnp_TxnRef,
      vnp_Amount: payment.params.vnp_Amount,
      vnp_BankCode: payment.bankCode ?? '',
      vnp_PayDate: payment.payDate ?? '',
      vnp_TransactionNo: payment.transactionNo ?? '',
      vnp_TransactionType: '01',
      vnp_TransactionStatus: payment.state === 'created' ? '01' : outcomeCodes[payment.state].transactionStatus,
      vnp_OrderInfo: payment.params.vnp_OrderInfo ?? '',
    });
  });

  function signedQueryAnswer(fields: Record<string, string | undefined>): Record<string, string> {
    const answer: Record<string, string> = { vnp_ResponseId: String(randomInt(1e9)), vnp_Command: 'querydr', vnp_TmnCode: options.tmnCode, vnp_PromotionCode: '', vnp_PromotionAmount: '' };
    for (const [k, v] of Object.entries(fields)) answer[k] = v ?? '';
    answer.vnp_SecureHash = pipeHash(options.hashSecret, queryResponseHashFields.map((k) => answer[k]));
    return answer;
  }

  app.get('/_sim/state', async () => ({ payments: Object.fromEntries(payments), ipn: exchanges, refunds: refunds.received }));
  app.post('/_sim/refund-faults', async (req) => refunds.setFaults(req.body as RefundFaults));
  app.post('/_sim/config', async (req) => {
    configuredCallbackUrl = (req.body as { callbackUrl?: string }).callbackUrl ?? configuredCallbackUrl;
    return { callbackUrl: configuredCallbackUrl };
  });
  app.post('/_sim/reset', async () => {
    payments.clear();
    exchanges.length = 0;
    refunds.reset();
    return { reset: true };
  });
  return app;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startVnpaySimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildVnpaySimulator(options.options, options.callbackUrl);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
