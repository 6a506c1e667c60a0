/**
 * The payment port a bank connector offers (connectors/bank-*). The core keeps the expected payment and decides;
 * the connector only speaks the provider's protocol: create, read a callback, reply, query.
 */

/**
 * needs-review: the provider says money may have moved but the payment is suspect or was reversed; an operator
 * decides paid or failed. refunded: paid, then refunded in full (a partial refund leaves it paid, with refundedAmount).
 */
export type PaymentStatus = 'pending' | 'paid' | 'failed' | 'expired' | 'cancelled' | 'needs-review' | 'refunded';

export interface FeeItem {
  code: string;
  name: string;
  amount: number;
}

/** What the gateway expects to be paid, stored before the provider ever hears of it. */
export interface ExpectedPayment {
  paymentId: string;
  partner: string;
  agencyCode: string;
  dossierCode: string;
  /** The procedure's national-portal code (MaTTHC) and name, when the partner gave them. */
  procedureCode?: string;
  procedureName?: string;
  provider: string;
  fees: FeeItem[];
  /** VND, integer. */
  amount: number;
  currency: 'VND';
  description: string;
  returnUrl: string;
  createdAt: string;
  expiresAt: string;
  status: PaymentStatus;
  /** Set once settled. */
  transactionNo?: string;
  bankCode?: string;
  paidAt?: string;
  settledBy?: 'callback' | 'query' | 'expiry' | 'cancel';
  settledAfterExpiry?: boolean;
  paymentUrl?: string;
  /** Why the provider's statement needs an operator, and the operator's decision once made. */
  review?: PaymentReview;
  /** VND refunded so far (accepted by the provider). */
  refundedAmount?: number;
  refunds?: RefundRecord[];
}

export interface PaymentReview {
  /** The provider's own codes, e.g. VNPAY `vnp_ResponseCode=07` / `vnp_TransactionStatus=04`. */
  providerCodes: Record<string, string>;
  reason: 'suspect' | 'reversed' | 'suspected-fraud';
  flaggedAt: string;
  resolution?: { outcome: 'paid' | 'failed'; by: string; reason: string; at: string };
}

/** One refund asked of the provider, and what became of it. */
export interface RefundRecord {
  refundId: string;
  /** VND. */
  amount: number;
  kind: 'full' | 'partial';
  status: 'requested' | 'refunded' | 'refused' | 'error';
  requestedBy: string;
  reason: string;
  requestedAt: string;
  finishedAt?: string;
  /** The provider's answer code and text (refused: why). */
  providerCode?: string;
  providerMessage?: string;
  providerTransactionNo?: string;
}

/** A provider's statement about one payment, from a callback or a query, after its authenticity was checked. */
export interface ProviderStatement {
  paymentId: string;
  /** needs-review: money may have moved but the provider flags the payment (see `review`). */
  outcome: 'paid' | 'failed' | 'needs-review';
  review?: Pick<PaymentReview, 'providerCodes' | 'reason'>;
  transactionNo: string;
  /** VND, integer (providers that send ×100 are converted by their mapping). */
  amount: number;
  currency?: string;
  bankCode?: string;
  paidAt: string;
}

/** What the gateway decided about a callback; each connector turns it into its protocol's reply. */
export type CallbackVerdict = 'confirmed' | 'invalid-signature' | 'not-found' | 'invalid-amount' | 'already-confirmed' | 'malformed' | 'error';

/** The stored payment of an id, if any. */
export type ExpectedPaymentLookup = (paymentId: string) => Promise<ExpectedPayment | undefined>;

/** An inbound HTTP callback, as the route received it. */
export interface CallbackRequest {
  method: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
}

/** Why a callback was not read: its signature, or its shape. */
export class CallbackRefused extends Error {
  constructor(
    readonly verdict: 'invalid-signature' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRefused';
  }
}

/** A callback about a payment the gateway does not hold, found out while checking it (the check needs the payment). */
export class PaymentNotFound extends Error {
  constructor(readonly paymentId: string) {
    super('no such payment');
    this.name = 'PaymentNotFound';
  }
}

export interface PaymentProvider {
  /** Creates the payment at the provider (or signs its pay URL). The expected payment is already durable. */
  create(payment: ExpectedPayment): Promise<{ paymentUrl: string }>;
  /**
   * Checks a callback's signature and reads it; throws CallbackRefused. `expected` looks up a stored payment: some
   * protocols (the national payment platform) check a callback with a checksum recomputed over the expected payment.
   */
  readCallback(request: CallbackRequest, expected: ExpectedPaymentLookup): Promise<ProviderStatement>;
  /** The provider's reply for a verdict. */
  reply(verdict: CallbackVerdict): { statusCode: number; body: unknown };
  /** Asks the provider what became of a payment: a statement, or 'pending' / 'unknown' when it has none. */
  query(payment: ExpectedPayment): Promise<ProviderStatement | 'pending' | 'unknown'>;
  /** Asks the provider to refund (part of) a paid payment. Absent: the provider has no refund API here. */
  refund?(payment: ExpectedPayment, request: RefundRequest): Promise<RefundAnswer>;
  close(): Promise<void>;
}

export interface RefundRequest {
  refundId: string;
  /** VND. */
  amount: number;
  kind: 'full' | 'partial';
  /** The operator asking (the provider records who created the refund). */
  requestedBy: string;
}

/** The provider's signed answer; transport failures and bad signatures throw RefundUnanswered instead. */
export interface RefundAnswer {
  accepted: boolean;
  providerCode: string;
  providerMessage: string;
  providerTransactionNo?: string;
}

/** No trustworthy answer (timeout, HTTP error, bad signature): the refund's fate at the provider is unknown. */
export class RefundUnanswered extends Error {
  constructor(
    readonly kind: 'timeout' | 'unavailable' | 'invalid-answer',
    message: string,
  ) {
    super(message);
    this.name = 'RefundUnanswered';
  }
}
