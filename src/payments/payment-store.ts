import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connections.ts';
import { vnDayOf } from '../connectors/vietnam-time.ts';
import type { ExpectedPayment, PaymentStatus, ProviderStatement } from './payment-provider.ts';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
const holdsFeeSlotLua = script('holds-fee-slot');
const createPaymentLua = holdsFeeSlotLua + script('create-payment');
const settlePaymentLua = holdsFeeSlotLua + script('settle-payment');
const closePaymentLua = script('close-payment');
const claimDuePaymentsLua = script('claim-due-payments');
const resolveReviewLua = script('resolve-review');
const beginRefundLua = script('begin-refund');
const finishRefundLua = script('finish-refund');

export type CreateResult =
  | { kind: 'created'; paymentId: string }
  /** The dossier+fee slot is held by this payment (open, paid or under review); sameRequest: it was made by the same body. */
  | { kind: 'held'; paymentId: string; status: 'pending' | 'paid' | 'needs-review'; sameRequest: boolean };

export type SettleResult = 'confirmed' | 'not-found' | 'invalid-amount' | 'already-confirmed';

export type BeginRefundResult =
  | { kind: 'ok'; amount: number; refundKind: 'full' | 'partial' }
  | { kind: 'not-found' }
  | { kind: 'not-paid'; status: PaymentStatus }
  | { kind: 'in-progress'; refundId: string }
  | { kind: 'exceeds'; remaining: number };

/** An outbox entry for a refund outcome (payment ids are alphanumeric, so ':' tells the two kinds apart). */
export const refundOutboxEntry = (paymentId: string, refundId: string) => `${paymentId}:refund:${refundId}`;

/** A refund left "requested" this long is taken to be from a process that died (the provider call has a timeout far below it). */
const refundLeaseMs = 10 * 60_000;


/** Fee codes, sorted: the same fees of a dossier hold one slot whatever order they were sent in. */
const feeKeyOf = (payment: Pick<ExpectedPayment, 'fees'>) =>
  createHash('sha256').update(payment.fees.map((f) => f.code).sort().join('\u0000')).digest('hex').slice(0, 32);

/**
 * Expected payments in Redis (AOF-persisted before any reply). Every change of state is one Lua script, so
 * concurrent callbacks for one payment settle it exactly once, and a settlement and its outbox entry (the
 * downstream messages still to publish) are written together. All keys share a hash tag.
 */
export class PaymentStore {
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.base = `${prefix}:{payments}`;
  }

  private paymentKey = (paymentId: string) => `${this.base}:p:${paymentId}`;
  readonly outboxKey = () => `${this.base}:outbox`;
  private paidOnKey = (day: string) => `${this.base}:paid:${day}`;
  /** Pending payments by the time their expiry check is due. */
  private expiringKey = () => `${this.base}:expiring`;
  /** Payments whose provider statement needs an operator. */
  private needsReviewKey = () => `${this.base}:needs-review`;

  /** Stores the expected payment and schedules its expiry check (at `checkAt`), atomically. */
  async create(payment: ExpectedPayment, requestSha256: string, checkAt: number): Promise<CreateResult> {
    const openKey = `${this.base}:open:${payment.dossierCode}:${feeKeyOf(payment)}`;
    const [paymentId, status, sha] = (await this.redis.eval(
      createPaymentLua,
      3,
      this.paymentKey(payment.paymentId),
      openKey,
      this.expiringKey(),
      payment.paymentId,
      JSON.stringify(payment),
      String(payment.amount),
      payment.currency,
      requestSha256,
      `${this.base}:p:`,
      String(checkAt),
    )) as [string, string, string];
    if (status === 'created') return { kind: 'created', paymentId };
    return { kind: 'held', paymentId, status: status as 'pending' | 'paid' | 'needs-review', sameRequest: sha === requestSha256 };
  }

  /** The provider's URL for a created payment, kept so a repeated request gets the same answer. */
  async setPaymentUrl(paymentId: string, paymentUrl: string): Promise<void> {
    await this.redis.hset(this.paymentKey(paymentId), 'paymentUrl', paymentUrl);
  }

  async get(paymentId: string): Promise<ExpectedPayment | undefined> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(paymentId)) return undefined;
    const fields = await this.redis.hgetall(this.paymentKey(paymentId));
    if (!fields.doc) return undefined;
    const doc = JSON.parse(fields.doc) as ExpectedPayment;
    return {
      ...doc,
      status: fields.status as PaymentStatus,
      transactionNo: fields.transactionNo || undefined,
      bankCode: fields.bankCode || undefined,
      paidAt: fields.paidAt || undefined,
      settledBy: (fields.settledBy || undefined) as ExpectedPayment['settledBy'],
      settledAfterExpiry: fields.settledAfterExpiry === '1' || undefined,
      paymentUrl: fields.paymentUrl || undefined,
      review: fields.review ? { ...JSON.parse(fields.review), ...(fields.reviewResolution ? { resolution: JSON.parse(fields.reviewResolution) } : {}) } : undefined,
      refundedAmount: fields.refundedAmount ? Number(fields.refundedAmount) : undefined,
      refunds: fields.refunds ? JSON.parse(fields.refunds) : undefined,
    };
  }

  /** A provider's statement, applied at most once; 'confirmed' means this call settled it. */
  async settle(statement: ProviderStatement, settledBy: 'callback' | 'query'): Promise<SettleResult> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(statement.paymentId)) return 'not-found';
    return (await this.redis.eval(
      settlePaymentLua,
      5,
      this.paymentKey(statement.paymentId),
      this.outboxKey(),
      this.paidOnKey(vnDayOf(statement.paidAt)),
      this.expiringKey(),
      this.needsReviewKey(),
      statement.outcome,
      statement.transactionNo,
      String(statement.amount),
      statement.currency ?? '',
      statement.bankCode ?? '',
      statement.paidAt,
      settledBy,
      statement.paymentId,
      new Date().toISOString(),
      statement.outcome === 'needs-review' ? JSON.stringify({ ...statement.review, flaggedAt: new Date().toISOString() }) : '',
    )) as SettleResult;
  }

  /** An operator's decision on a payment under review; 'resolved', or the status that made it impossible. */
  async resolveReview(paymentId: string, outcome: 'paid' | 'failed', resolution: { by: string; reason: string }): Promise<'resolved' | 'not-found' | PaymentStatus> {
    const payment = await this.get(paymentId);
    if (!payment) return 'not-found';
    const at = new Date().toISOString();
    return (await this.redis.eval(
      resolveReviewLua,
      4,
      this.paymentKey(paymentId),
      this.outboxKey(),
      this.needsReviewKey(),
      this.paidOnKey(vnDayOf(payment.paidAt ?? at)),
      outcome,
      JSON.stringify({ outcome, ...resolution, at }),
      paymentId,
      at,
    )) as 'resolved' | PaymentStatus;
  }

  /** Payments waiting for an operator, oldest flagged first. */
  async needingReview(limit = 500): Promise<ExpectedPayment[]> {
    const ids = await this.redis.smembers(this.needsReviewKey());
    const payments = (await Promise.all(ids.map((id) => this.get(id)))).filter((p): p is ExpectedPayment => p?.status === 'needs-review');
    return payments.sort((a, b) => (a.review?.flaggedAt ?? '').localeCompare(b.review?.flaggedAt ?? '')).slice(0, limit);
  }

  countNeedingReview(): Promise<number> {
    return this.redis.scard(this.needsReviewKey());
  }

  /** Reserves a refund (amount undefined: all that remains). */
  async beginRefund(paymentId: string, refund: { refundId: string; amount?: number; requestedBy: string; reason: string }): Promise<BeginRefundResult> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(paymentId)) return { kind: 'not-found' };
    const now = Date.now();
    const [kind, a, b] = (await this.redis.eval(
      beginRefundLua,
      1,
      this.paymentKey(paymentId),
      refund.refundId,
      refund.amount === undefined ? '' : String(refund.amount),
      refund.requestedBy,
      refund.reason,
      new Date(now).toISOString(),
      String(now),
      String(refundLeaseMs),
    )) as [string, string?, string?];
    if (kind === 'ok') return { kind, amount: Number(a), refundKind: b as 'full' | 'partial' };
    if (kind === 'not-paid') return { kind, status: a as PaymentStatus };
    if (kind === 'in-progress') return { kind, refundId: a! };
    if (kind === 'exceeds') return { kind, remaining: Number(a) };
    return { kind: 'not-found' };
  }

  /** Records the provider's answer to the refund in flight; refunded and refused outcomes are queued for the province. */
  async finishRefund(
    paymentId: string,
    refundId: string,
    outcome: { status: 'refunded' | 'refused' | 'error'; providerCode?: string; providerMessage?: string; providerTransactionNo?: string },
  ): Promise<string> {
    return (await this.redis.eval(
      finishRefundLua,
      2,
      this.paymentKey(paymentId),
      this.outboxKey(),
      refundId,
      outcome.status,
      new Date().toISOString(),
      outcome.providerCode ?? '',
      outcome.providerMessage ?? '',
      outcome.providerTransactionNo ?? '',
      refundOutboxEntry(paymentId, refundId),
    )) as string;
  }

  /** Ends a pending payment (expired: the partner is told; cancelled: the partner asked). Returns 'closed' or its status. */
  async close(paymentId: string, status: 'expired' | 'cancelled'): Promise<'closed' | 'not-found' | PaymentStatus> {
    return (await this.redis.eval(
      closePaymentLua,
      3,
      this.paymentKey(paymentId),
      this.outboxKey(),
      this.expiringKey(),
      status,
      paymentId,
      new Date().toISOString(),
      status === 'expired' ? '1' : '0',
      status === 'expired' ? 'expiry' : 'cancel',
    )) as 'closed' | 'not-found' | PaymentStatus;
  }

  /** Up to `limit` payments whose expiry check is due, each leased to this caller for leaseMs. */
  claimDue(now: number, leaseMs: number, limit: number): Promise<string[]> {
    return this.redis.eval(claimDuePaymentsLua, 1, this.expiringKey(), String(now), String(leaseMs), String(limit)) as Promise<string[]>;
  }

  /** Payments settled whose downstream messages may not be published yet. */
  outbox(): Promise<string[]> {
    return this.redis.smembers(this.outboxKey());
  }

  async removeFromOutbox(paymentId: string): Promise<void> {
    await this.redis.srem(this.outboxKey(), paymentId);
  }

  /** Payments confirmed paid whose payment time falls on `day` (YYYY-MM-DD, local). */
  async paidOn(day: string): Promise<ExpectedPayment[]> {
    const ids = await this.redis.smembers(this.paidOnKey(day));
    const payments = await Promise.all(ids.map((id) => this.get(id)));
    return payments.filter((p): p is ExpectedPayment => p !== undefined);
  }
}
