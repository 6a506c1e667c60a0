import type { Logger } from '../logging/logger.ts';
import { publishMessage, type ProducedMessage, type PublishDeps } from '../messages/publish-message.ts';
import type { ExpectedPayment } from './payment-provider.ts';
import type { PaymentStore } from './payment-store.ts';

export const paymentResultType = 'payment.result.v1';

/** What the provincial system and the national portal are told about a settled payment. */
export interface PaymentResultV1 {
  paymentId: string;
  dossierCode: string;
  agencyCode: string;
  provider: string;
  status: 'paid' | 'failed' | 'expired';
  amount: number;
  currency: 'VND';
  fees: ExpectedPayment['fees'];
  transactionNo?: string;
  bankCode?: string;
  paidAt?: string;
  settledAt: string;
  /** Paid at the bank after the gateway had expired or cancelled it: needs a look (refund or accept). */
  settledAfterExpiry?: boolean;
}

export function paymentResultOf(payment: ExpectedPayment): PaymentResultV1 {
  return {
    paymentId: payment.paymentId,
    dossierCode: payment.dossierCode,
    agencyCode: payment.agencyCode,
    provider: payment.provider,
    status: payment.status as PaymentResultV1['status'],
    amount: payment.amount,
    currency: payment.currency,
    fees: payment.fees,
    ...(payment.transactionNo ? { transactionNo: payment.transactionNo } : {}),
    ...(payment.bankCode ? { bankCode: payment.bankCode } : {}),
    ...(payment.paidAt ? { paidAt: payment.paidAt } : {}),
    settledAt: payment.paidAt ?? new Date().toISOString(),
    ...(payment.settledAfterExpiry ? { settledAfterExpiry: true } : {}),
  };
}

/**
 * The outbox relay: every payment the store settled gets its payment.result.v1 queued to the route's
 * destinations, then leaves the outbox. Run right after a settlement and on a timer, so a crash between the
 * two loses nothing; publishing twice adds nothing (stable job ids).
 */
export class PaymentEvents {
  constructor(
    private readonly store: PaymentStore,
    private readonly publish: PublishDeps,
    private readonly destinations: string[],
    private readonly logger: Logger,
  ) {}

  async flush(onlyPaymentId?: string): Promise<number> {
    const pending = onlyPaymentId ? [onlyPaymentId] : await this.store.outbox();
    let published = 0;
    for (const paymentId of pending) {
      const payment = await this.store.get(paymentId);
      if (payment && payment.status !== 'pending' && payment.status !== 'cancelled') {
        await publishMessage(this.publish, messageOf(payment), `${paymentResultType}|${paymentId}`, this.destinations);
        published += 1;
        this.logger.info({ paymentId, dossierCode: payment.dossierCode, status: payment.status }, 'payment result queued');
      }
      await this.store.removeFromOutbox(paymentId);
    }
    return published;
  }
}

function messageOf(payment: ExpectedPayment): ProducedMessage {
  const payload = paymentResultOf(payment);
  return {
    type: paymentResultType,
    partner: payment.partner,
    agencyCode: payment.agencyCode,
    dossierCode: payment.dossierCode,
    traceId: payment.paymentId,
    orderingTime: Date.parse(payload.settledAt),
    orderingKey: `payment:${payment.paymentId}`,
    payload: payload as unknown as Record<string, unknown>,
  };
}
