import type { PaymentEvents } from './payment-events.ts';
import type { PaymentProvider } from './payment-provider.ts';
import type { PaymentStore } from './payment-store.ts';

/** What the payment routes and the expiry checker share. */
export interface PaymentServices {
  store: PaymentStore;
  providers: Map<string, PaymentProvider>;
  events: PaymentEvents;
}
