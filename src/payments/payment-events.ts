import type { Logger } from '../logging/logger.ts';
import { publishMessage, type ProducedMessage, type PublishDeps } from '../messages/publish-message.ts';
import type { ExpectedPayment, PaymentReview } from './payment-provider.ts';
import { paymentRefundType, refundMessageOf } from './payment-refund-event.ts';
import type { PaymentStore } from './payment-store.ts';

export const paymentResultType = 'payment.result.v1';

/** What the provincial system and the national portal are told about a settled payment. */
export interface PaymentResultV1 {
  paymentId: string;
  dossierCode: string;
  agencyCode: string;
  provider: string;
  /**
   * needs-review: the bank flagged the payment (money may have been taken); NOT paid, NOT failed — do not ask the
   * citizen to pay again, and wait: a second payment.result.v1 carries the operator's paid/failed decision.
   */
  status: 'paid' | 'failed' | 'expired' | 'needs-review';
  amount: number;
  currency: 'VND';
  fees: ExpectedPayment['fees'];
  transactionNo?: string;
  bankCode?: string;
  paidAt?: string;
  settledAt: string;
  /** Paid at the bank after the gateway had expired or cancelled it: needs a look (refund or accept). */
  settledAfterExpiry?: boolean;
  /** For needs-review: the bank's reason; once decided, the operator's resolution (without who). */
  review?: { reason: PaymentReview['reason']; resolvedAs?: 'paid' | 'failed'; resolvedAt?: string };
}

export function paymentResultOf(payment: ExpectedPayment): PaymentResultV1 {
  const resolution = payment.review?.resolution;
  return {
    paymentId: payment.paymentId,
    dossierCode: payment.dossierCode,
    agencyCode: payment.agencyCode,
    provider: payment.provider,
    // A refund is told in payment.refund.v1; as a settlement, a refunded payment was paid.
    status: (payment.status === 'refunded' ? 'paid' : payment.status) as PaymentResultV1['status'],
    amount: payment.amount,
    currency: payment.currency,
    fees: payment.fees,
    ...(payment.transactionNo ? { transactionNo: payment.transactionNo } : {}),
    ...(payment.bankCode ? { bankCode: payment.bankCode } : {}),
    ...(payment.paidAt ? { paidAt: payment.paidAt } : {}),
    settledAt: resolution?.at ?? payment.paidAt ?? new Date().toISOString(),
    ...(payment.settledAfterExpiry ? { settledAfterExpiry: true } : {}),
    ...(payment.review ? { review: { reason: payment.review.reason, ...(resolution ? { resolvedAs: resolution.outcome, resolvedAt: resolution.at } : {}) } } : {}),
  };
}

/**
 * The outbox relay: every payment the store settled (or an operator resolved, or refunded) gets its message queued
 * to the route's destinations, then leaves the outbox. Run right after a change and on a timer, so a crash between
 * the two loses nothing; publishing twice adds nothing (stable job ids, one event name per stage of a payment).
 */
export class PaymentEvents {
  constructor(
    private readonly store: PaymentStore,
    private readonly publish: PublishDeps,
    private readonly routes: Record<string, string[]>,
    private readonly logger: Logger,
  ) {}

  async flush(onlyEntry?: string): Promise<number> {
    const pending = onlyEntry ? [onlyEntry] : await this.store.outbox();
    let published = 0;
    for (const entry of pending) {
      const [paymentId, , refundId] = entry.split(':');
      const payment = await this.store.get(paymentId!);
      if (payment && refundId) {
        const message = refundMessageOf(payment, refundId);
        if (message) {
          await publishMessage(this.publish, message, `${paymentRefundType}|${paymentId}|${refundId}`, this.routes[paymentRefundType] ?? []);
          published += 1;
          this.logger.info({ paymentId, refundId, dossierCode: payment.dossierCode }, 'payment refund outcome queued');
        }
      } else if (payment && payment.status !== 'pending' && payment.status !== 'cancelled') {
        await publishMessage(this.publish, messageOf(payment), resultEventName(payment), this.routes[paymentResultType] ?? []);
        published += 1;
        this.logger.info({ paymentId, dossierCode: payment.dossierCode, status: payment.status }, 'payment result queued');
      }
      await this.store.removeFromOutbox(entry);
    }
    return published;
  }
}

/** One event per stage: the settlement (or the flag for review), then the operator's decision. */
function resultEventName(payment: ExpectedPayment): string {
  if (payment.status === 'needs-review') return `${paymentResultType}|${payment.paymentId}|needs-review`;
  if (payment.review?.resolution) return `${paymentResultType}|${payment.paymentId}|reviewed`;
  return `${paymentResultType}|${payment.paymentId}`;
}

function messageOf(payment: ExpectedPayment): ProducedMessage {
  const payload = paymentResultOf(payment);
  return {
    type: paymentResultType,
    partner: payment.partner,
    agencyCode: payment.agencyCode,
    dossierCode: payment.dossierCode,
    traceId: payment.paymentId,
    // The operator's decision is newer than the flag it resolves: ordering per payment delivers it last.
    orderingTime: Date.parse(payload.settledAt),
    orderingKey: `payment:${payment.paymentId}`,
    payload: payload as unknown as Record<string, unknown>,
  };
}
