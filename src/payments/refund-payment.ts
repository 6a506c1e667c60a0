import { randomUUID } from 'node:crypto';
import { GatewayError } from '../http/errors.ts';
import type { FastifyBaseLogger } from 'fastify';
import { RefundUnanswered, type RefundRecord } from './payment-provider.ts';
import { refundOutboxEntry } from './payment-store.ts';
import type { PaymentServices } from './payment-services.ts';

export interface RefundCommand {
  paymentId: string;
  /** VND; undefined refunds all that remains. */
  amount?: number;
  requestedBy: string;
  reason: string;
}

/**
 * One refund, start to end: reserve it (only a paid payment, one at a time, never more than remains) → ask the
 * provider → record its answer with the payment (and queue the outcome for the province) → answer the operator.
 * A refused refund is an error for the caller (REFUND_REFUSED, with the provider's code); an unanswered one too
 * (UPSTREAM_*): its outcome at the provider is unknown, it is kept as 'error' and nothing counts against the payment.
 */
export async function refundPayment(payments: PaymentServices, command: RefundCommand, logger: FastifyBaseLogger, replicated: () => Promise<void> = async () => {}): Promise<RefundRecord> {
  const payment = await payments.store.get(command.paymentId);
  if (!payment) throw new GatewayError('NOT_FOUND', `no payment ${command.paymentId}`);
  const provider = payments.providers.get(payment.provider);
  if (!provider?.refund) throw new GatewayError('REFUND_NOT_SUPPORTED', `payment provider "${payment.provider}" has no refund API in this gateway`);
  const refundId = randomUUID().replace(/-/g, '');
  const reserved = await payments.store.beginRefund(payment.paymentId, { refundId, amount: command.amount, requestedBy: command.requestedBy, reason: command.reason });
  switch (reserved.kind) {
    case 'not-found':
      throw new GatewayError('NOT_FOUND', `no payment ${command.paymentId}`);
    case 'not-paid':
      throw new GatewayError('PAYMENT_NOT_REFUNDABLE', `payment is ${reserved.status}; only a paid payment can be refunded`, [{ path: '/paymentId', message: `status ${reserved.status}` }]);
    case 'in-progress':
      throw new GatewayError('REFUND_IN_PROGRESS', 'another refund of this payment is being asked of the provider', [{ path: '/paymentId', message: `refund ${reserved.refundId} in flight` }]);
    case 'exceeds':
      throw new GatewayError('REFUND_EXCEEDS_REMAINING', `at most ${reserved.remaining} VND of this payment can still be refunded`, [{ path: '/amount', message: `must be <= ${reserved.remaining}` }]);
  }
  const log = logger.child({ paymentId: payment.paymentId, refundId, provider: payment.provider });
  try {
    // The reservation is on enough replicas (redis.minReplicasAcked) before money moves: a failover cannot forget it.
    await replicated();
  } catch (err) {
    await payments.store.finishRefund(payment.paymentId, refundId, { status: 'error', providerMessage: `not asked of the provider: ${(err as Error).message}` });
    throw err;
  }
  let outcome: Parameters<PaymentServices['store']['finishRefund']>[2];
  let unanswered: RefundUnanswered | undefined;
  try {
    const answer = await provider.refund(payment, { refundId, amount: reserved.amount, kind: reserved.refundKind, requestedBy: command.requestedBy });
    outcome = { status: answer.accepted ? 'refunded' : 'refused', providerCode: answer.providerCode, providerMessage: answer.providerMessage, providerTransactionNo: answer.providerTransactionNo };
  } catch (err) {
    unanswered = err instanceof RefundUnanswered ? err : new RefundUnanswered('unavailable', (err as Error).message);
    outcome = { status: 'error', providerMessage: unanswered.message };
  }
  await payments.store.finishRefund(payment.paymentId, refundId, outcome);
  log.info({ amount: reserved.amount, kind: reserved.refundKind, status: outcome.status, providerCode: outcome.providerCode }, 'payment refund');
  if (outcome.status !== 'error') {
    await payments.events.flush(refundOutboxEntry(payment.paymentId, refundId)).catch((err: Error) => log.warn({ err: err.message }, 'refund outcome left in the outbox'));
  }
  const record = (await payments.store.get(payment.paymentId))!.refunds!.find((r) => r.refundId === refundId)!;
  if (outcome.status === 'refused') {
    throw new GatewayError('REFUND_REFUSED', `the provider refused the refund: ${record.providerCode} ${record.providerMessage}`, [
      { path: '/providerCode', message: record.providerCode ?? '' },
      { path: '/refundId', message: `refund ${refundId} recorded as refused` },
    ]);
  }
  if (unanswered) {
    const code = unanswered.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
    throw new GatewayError(code, `no valid answer from the provider (${unanswered.message}); the refund's outcome is unknown: check at the provider before asking again`, [
      { path: '/refundId', message: `refund ${refundId} recorded as error` },
    ]);
  }
  return record;
}
