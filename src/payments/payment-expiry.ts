import type { Logger } from '../logging/logger.ts';
import type { PaymentEvents } from './payment-events.ts';
import type { PaymentProvider } from './payment-provider.ts';
import type { PaymentStore } from './payment-store.ts';
import { pollEvery } from '../polling/poll-every.ts';

export interface ExpiryCheckOptions {
  intervalMs: number;
  /** A claimed payment is not handed to another checker for this long (a failed query is retried then). */
  leaseMs: number;
}

/**
 * Payments nobody called back about by their expiry (plus grace): ask the provider. Its statement settles the
 * payment like a callback would; "pending" or "unknown" after expiry ends it as expired, and the partner is told.
 * Also relays the payment outbox, so a settlement whose messages were not queued (a crash) is finished here.
 */
export class PaymentExpiryChecker {
  constructor(
    private readonly store: PaymentStore,
    private readonly providers: Map<string, PaymentProvider>,
    private readonly events: PaymentEvents,
    private readonly logger: Logger,
    private readonly options: ExpiryCheckOptions,
  ) {}

  async checkDue(now = Date.now()): Promise<void> {
    for (const paymentId of await this.store.claimDue(now, this.options.leaseMs, 50)) {
      await this.check(paymentId).catch((err: Error) => this.logger.warn({ paymentId, err: err.message }, 'payment expiry check failed; retried later'));
    }
    await this.events.flush();
  }

  private async check(paymentId: string): Promise<void> {
    const payment = await this.store.get(paymentId);
    const provider = payment && this.providers.get(payment.provider);
    if (!payment || payment.status !== 'pending' || !provider) {
      if (payment && !provider) this.logger.warn({ paymentId, provider: payment.provider }, 'payment of a provider no longer configured');
      else await this.store.close(paymentId, 'expired'); // not pending any more: only drops it from the schedule
      return;
    }
    const answer = await provider.query(payment);
    if (answer === 'pending' || answer === 'unknown') {
      const closed = await this.store.close(paymentId, 'expired');
      this.logger.info({ paymentId, provider: payment.provider, providerSays: answer, closed }, 'payment expired without a callback');
    } else {
      const result = await this.store.settle(answer, 'query');
      if (result === 'invalid-amount') this.logger.error({ paymentId, provider: payment.provider }, 'provider reports a different amount: left pending for an operator');
      else this.logger.info({ paymentId, outcome: answer.outcome, result }, 'payment settled by query');
    }
    await this.events.flush(paymentId);
  }

  start(): () => Promise<void> {
    return pollEvery(this.options.intervalMs, () => this.checkDue(), (err) => this.logger.warn({ err: err.message }, 'payment expiry round failed'));
  }
}
