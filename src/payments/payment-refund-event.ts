import type { ProducedMessage } from '../messages/publish-message.ts';
import type { ExpectedPayment, RefundRecord } from './payment-provider.ts';

export const paymentRefundType = 'payment.refund.v1';

/** What the province is told about a refund the provider answered: refunded, or refused with the provider's code. */
export interface PaymentRefundV1 {
  paymentId: string;
  refundId: string;
  dossierCode: string;
  agencyCode: string;
  provider: string;
  status: 'refunded' | 'refused';
  /** VND of this refund. */
  amount: number;
  kind: 'full' | 'partial';
  /** The payment's amount, and what has been refunded of it in all (after this refund). */
  paymentAmount: number;
  refundedAmount: number;
  currency: 'VND';
  reason: string;
  providerCode?: string;
  providerMessage?: string;
  requestedAt: string;
  finishedAt: string;
}

export function refundMessageOf(payment: ExpectedPayment, refundId: string): ProducedMessage | undefined {
  const refund = payment.refunds?.find((r) => r.refundId === refundId);
  if (!refund || (refund.status !== 'refunded' && refund.status !== 'refused')) return undefined;
  const payload: PaymentRefundV1 = {
    paymentId: payment.paymentId,
    refundId,
    dossierCode: payment.dossierCode,
    agencyCode: payment.agencyCode,
    provider: payment.provider,
    status: refund.status,
    amount: refund.amount,
    kind: refund.kind,
    paymentAmount: payment.amount,
    refundedAmount: refundedUpTo(payment.refunds!, refund),
    currency: payment.currency,
    reason: refund.reason,
    ...(refund.providerCode ? { providerCode: refund.providerCode } : {}),
    ...(refund.providerMessage ? { providerMessage: refund.providerMessage } : {}),
    requestedAt: refund.requestedAt,
    finishedAt: refund.finishedAt ?? refund.requestedAt,
  };
  return {
    type: paymentRefundType,
    partner: payment.partner,
    agencyCode: payment.agencyCode,
    dossierCode: payment.dossierCode,
    traceId: payment.paymentId,
    orderingTime: Date.parse(payload.finishedAt),
    // Each refund is its own event: one never supersedes another.
    orderingKey: `refund:${refundId}`,
    payload: payload as unknown as Record<string, unknown>,
  };
}

/** Accepted refunds up to and including this one (refunds are one at a time, so list order is time order). */
function refundedUpTo(refunds: RefundRecord[], upTo: RefundRecord): number {
  let total = 0;
  for (const r of refunds) {
    if (r.status === 'refunded') total += r.amount;
    if (r === upTo) break;
  }
  return total;
}
