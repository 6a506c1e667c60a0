import { randomInt } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { VnpayOptions } from './options.ts';
import { refundRequestHashFields, refundResponseHashFields, refundResponseMessages } from './refund-mapping.ts';
import { pipeHash, sameHash } from './secure-hash.ts';
import type { RefundFaults } from './simulator.ts';

interface RefundablePayment {
  params: Record<string, string>;
  state: string;
  transactionNo?: string;
  bankCode?: string;
  payDate?: string;
  /** VND × 100 refunded so far. */
  refunded: number;
}

/** A refund request as the simulated bank received it, with its answer code (for tests' assertions). */
export interface ReceivedRefund {
  body: Record<string, unknown>;
  hashValid: boolean;
  responseCode?: string;
  httpStatus: number;
}

/**
 * The simulated bank's refund API (vnp_Command=refund on the querydr endpoint): checks the 13-field hash (97),
 * the merchant (02), the payment (91 unknown, 95 not a successful payment), the type and amount (03), a request id
 * seen before (94), then refunds and answers 00 with a signed answer. Faults replace the next answer.
 */
export function buildRefundDesk(options: VnpayOptions, find: (txnRef: string) => RefundablePayment | undefined) {
  const received: ReceivedRefund[] = [];
  const requestIds = new Set<string>();
  let faults: RefundFaults = {};

  function signed(fields: Record<string, unknown>, secret = options.hashSecret): Record<string, unknown> {
    const answer: Record<string, unknown> = { vnp_ResponseId: String(randomInt(1e9)), vnp_Command: 'refund', vnp_TmnCode: options.tmnCode, ...fields };
    answer.vnp_Message ??= refundResponseMessages[String(answer.vnp_ResponseCode)] ?? 'Failure';
    answer.vnp_SecureHash = pipeHash(secret, refundResponseHashFields.map((k) => answer[k] as string | number | undefined));
    return answer;
  }

  function decide(q: Record<string, unknown>): Record<string, unknown> {
    const txnRef = String(q.vnp_TxnRef ?? '');
    if (q.vnp_TmnCode !== options.tmnCode) return { vnp_ResponseCode: '02', vnp_TxnRef: txnRef };
    const payment = find(txnRef);
    const type = String(q.vnp_TransactionType ?? '');
    const amount = Number(q.vnp_Amount);
    if (!/^\d{1,20}$/.test(String(q.vnp_RequestId ?? '')) && !/^[A-Za-z0-9]{1,32}$/.test(String(q.vnp_RequestId ?? ''))) return { vnp_ResponseCode: '03', vnp_TxnRef: txnRef };
    if (type !== '02' && type !== '03') return { vnp_ResponseCode: '03', vnp_TxnRef: txnRef };
    if (!Number.isInteger(amount) || amount <= 0) return { vnp_ResponseCode: '03', vnp_TxnRef: txnRef };
    if (!payment || payment.transactionNo !== String(q.vnp_TransactionNo)) return { vnp_ResponseCode: '91', vnp_TxnRef: txnRef };
    if (payment.state !== 'paid' && payment.state !== 'suspect') return { vnp_ResponseCode: '95', vnp_TxnRef: txnRef };
    if (requestIds.has(String(q.vnp_RequestId))) return { vnp_ResponseCode: '94', vnp_TxnRef: txnRef };
    const total = Number(payment.params.vnp_Amount);
    const remaining = total - payment.refunded;
    // Full (02) returns the whole payment; partial (03) at most what remains.
    if ((type === '02' && (amount !== total || payment.refunded > 0)) || amount > remaining) return { vnp_ResponseCode: '03', vnp_TxnRef: txnRef };
    requestIds.add(String(q.vnp_RequestId));
    payment.refunded += amount;
    return {
      vnp_ResponseCode: '00',
      vnp_TxnRef: txnRef,
      vnp_Amount: amount,
      vnp_BankCode: payment.bankCode ?? '',
      vnp_PayDate: payment.payDate ?? '',
      vnp_TransactionNo: String(randomInt(10_000_000, 99_999_999)),
      vnp_TransactionType: type,
      vnp_TransactionStatus: '05', // "VNPAY đang xử lý giao dịch này (GD hoàn tiền)"
      vnp_OrderInfo: String(q.vnp_OrderInfo ?? ''),
    };
  }

  return {
    received,
    setFaults(next: RefundFaults) {
      faults = { ...faults, ...next };
      return { faults };
    },
    reset() {
      received.length = 0;
      requestIds.clear();
      faults = {};
    },
    async answer(q: Record<string, unknown>, reply: FastifyReply) {
      const hashValid = sameHash(pipeHash(options.hashSecret, refundRequestHashFields.map((k) => q[k] as string | number | undefined)), q.vnp_SecureHash as string | undefined);
      const entry: ReceivedRefund = { body: q, hashValid, httpStatus: 200 };
      received.push(entry);
      const current = faults;
      faults = {};
      if (current.failNext) {
        entry.httpStatus = current.failNext;
        return reply.code(current.failNext).type('text/plain').send('Service Unavailable');
      }
      if (current.hangNextMs) await new Promise((r) => setTimeout(r, current.hangNextMs));
      const fields = !hashValid
        ? { vnp_ResponseCode: '97', vnp_TxnRef: q.vnp_TxnRef }
        : current.refuseNext
          ? { vnp_ResponseCode: current.refuseNext, vnp_TxnRef: q.vnp_TxnRef }
          : current.hangNextMs
            ? { vnp_ResponseCode: '99', vnp_TxnRef: q.vnp_TxnRef } // too late to matter: nothing is refunded
            : decide(q);
      entry.responseCode = String(fields.vnp_ResponseCode);
      return reply.send(signed(fields, current.badSignatureNext ? `${options.hashSecret}-wrong` : options.hashSecret));
    },
  };
}
