import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

let t: PaymentTestGateway;
beforeAll(async () => {
  // A short provider timeout so the "bank hangs" case ends quickly; the simulator hangs well past it.
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig, payments: { providers: { vnpay: { timeoutMs: 1000 } } } } });
});
afterAll(async () => {
  await t?.close();
});

async function paidPayment() {
  const doc = paymentRequest();
  const created = await t.createPayment(doc);
  const { sent } = await t.pay(created.body.paymentUrl);
  return { dossierCode: doc.dossierCode as string, paymentId: created.body.paymentId as string, transactionNo: sent[0]!.params.vnp_TransactionNo! };
}

const refund = (paymentId: string, body: Record<string, unknown>, token = adminTokens.operator) => adminCall(t, token, 'POST', `/payments/${paymentId}/refund`, body);
const refundEvents = async (dossierCode: string) => (await t.provincial.eventsFor(dossierCode)).filter((e) => e.event.type === 'payment.refund.v1').map((e) => e.event.data);
const bankRefundsFor = async (paymentId: string) => (await t.bankState()).refunds.filter((r) => r.body.vnp_TxnRef === paymentId);

describe('refunds of VNPAY payments', () => {
  it('refunds a payment in full (vnp_TransactionType 02), stores it, tells the province, and refuses a second refund', async () => {
    const { dossierCode, paymentId, transactionNo } = await paidPayment();
    const res = await refund(paymentId, { reason: 'Hồ sơ bị từ chối, hoàn phí' });
    expect(res.statusCode).toBe(200);
    expect(res.body.refund).toMatchObject({ amount: 200_000, kind: 'full', status: 'refunded', providerCode: '00', requestedBy: 'it-operator' });

    const [atBank] = await bankRefundsFor(paymentId);
    expect(atBank).toMatchObject({ hashValid: true, responseCode: '00' });
    expect(atBank!.body).toMatchObject({ vnp_Command: 'refund', vnp_TransactionType: '02', vnp_Amount: 20_000_000, vnp_TransactionNo: transactionNo, vnp_CreateBy: 'it-operator' });

    expect(await t.payment(paymentId)).toMatchObject({ status: 'refunded', refundedAmount: 200_000, refunds: [{ status: 'refunded', amount: 200_000 }] });
    await until('the province to hear of the refund', () => refundEvents(dossierCode), (e) => e.length > 0);
    await t.drain();
    expect(await refundEvents(dossierCode)).toEqual([
      expect.objectContaining({ paymentId, status: 'refunded', amount: 200_000, kind: 'full', paymentAmount: 200_000, refundedAmount: 200_000, providerCode: '00', reason: 'Hồ sơ bị từ chối, hoàn phí' }),
    ]);

    const again = await refund(paymentId, { reason: 'once more' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({ error: 'PAYMENT_NOT_REFUNDABLE' });
    expect(await bankRefundsFor(paymentId)).toHaveLength(1);
  });

  it('refunds part (03), then the rest, never more than remains', async () => {
    const { dossierCode, paymentId } = await paidPayment();
    const part = await refund(paymentId, { amount: 50_000, reason: 'Phí thẩm định thu thừa' });
    expect(part.body.refund).toMatchObject({ amount: 50_000, kind: 'partial', status: 'refunded' });
    expect(await t.payment(paymentId)).toMatchObject({ status: 'paid', refundedAmount: 50_000 });

    const tooMuch = await refund(paymentId, { amount: 150_001, reason: 'more than remains' });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.body).toMatchObject({ error: 'REFUND_EXCEEDS_REMAINING', details: [{ path: '/amount', message: 'must be <= 150000' }] });

    const rest = await refund(paymentId, { reason: 'the rest' });
    expect(rest.body.refund).toMatchObject({ amount: 150_000, kind: 'partial', status: 'refunded' });
    expect(await t.payment(paymentId)).toMatchObject({ status: 'refunded', refundedAmount: 200_000 });
    expect((await bankRefundsFor(paymentId)).map((r) => [r.body.vnp_TransactionType, r.body.vnp_Amount, r.responseCode])).toEqual([
      ['03', 5_000_000, '00'],
      ['03', 15_000_000, '00'],
    ]);
    await until('the province to hear of both refunds', () => refundEvents(dossierCode), (e) => e.length >= 2);
    await t.drain();
    expect((await refundEvents(dossierCode)).map((e) => [e.amount, e.refundedAmount]).sort()).toEqual([
      [150_000, 200_000],
      [50_000, 50_000],
    ]);
  });

  it('two operators refunding at once never refund more than was paid: one goes to the bank, the other is refused', async () => {
    const { paymentId } = await paidPayment();
    const answers = await Promise.all([refund(paymentId, { amount: 150_000, reason: 'operator A' }), refund(paymentId, { amount: 150_000, reason: 'operator B' })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(['REFUND_IN_PROGRESS', 'REFUND_EXCEEDS_REMAINING']).toContain(answers.find((a) => a.statusCode === 409)!.body.error);
    expect(await t.payment(paymentId)).toMatchObject({ status: 'paid', refundedAmount: 150_000 });
    expect(await bankRefundsFor(paymentId)).toHaveLength(1);
  });

  it('stores a refusal by the bank with its code and tells the operator and the province; the payment stays paid', async () => {
    const { dossierCode, paymentId } = await paidPayment();
    await t.refundFaults({ refuseNext: '95' });
    const res = await refund(paymentId, { amount: 10_000, reason: 'thử hoàn' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toMatchObject({ error: 'REFUND_REFUSED', details: [{ path: '/providerCode', message: '95' }, { path: '/refundId' }] });
    expect(res.body.message).toContain('VNPAY từ chối xử lý yêu cầu');
    const payment = await t.payment(paymentId);
    expect(payment).toMatchObject({ status: 'paid', refunds: [{ status: 'refused', providerCode: '95', amount: 10_000 }] });
    expect(payment.refundedAmount).toBeUndefined();
    await until('the province to hear of the refused refund', () => refundEvents(dossierCode), (e) => e.length > 0);
    await t.drain();
    expect(await refundEvents(dossierCode)).toEqual([expect.objectContaining({ status: 'refused', providerCode: '95', amount: 10_000, refundedAmount: 0 })]);

    const { body: audit } = await adminCall(t, adminTokens.viewer, 'GET', '/audit?limit=20');
    expect(audit.entries).toContainEqual(expect.objectContaining({ action: 'payment-refund-refused', target: paymentId, reason: 'thử hoàn' }));
  });

  it('answers 503 on a bank 5xx and 504 on a bank that does not answer in time: kept as error, nothing counted, then it goes through', async () => {
    const { paymentId } = await paidPayment();
    await t.refundFaults({ failNext: 503 });
    expect((await refund(paymentId, { reason: 'bank down' })).body.error).toBe('UPSTREAM_UNAVAILABLE');
    await t.refundFaults({ hangNextMs: 3000 });
    const slow = await refund(paymentId, { reason: 'bank slow' });
    expect(slow.statusCode).toBe(504);
    expect(slow.body).toMatchObject({ error: 'UPSTREAM_TIMEOUT', details: [{ path: '/refundId' }] });
    const payment = await t.payment(paymentId);
    expect(payment).toMatchObject({ status: 'paid', refunds: [{ status: 'error' }, { status: 'error' }] });
    expect(payment.refundedAmount).toBeUndefined();
    // The bank is back: the refund goes through, with a new request id.
    const ok = await refund(paymentId, { reason: 'bank back' });
    expect(ok.body.refund).toMatchObject({ status: 'refunded', kind: 'full' });
    expect(new Set((await bankRefundsFor(paymentId)).map((r) => r.body.vnp_RequestId)).size).toBe(3);
  });

  it('does not believe an answer with a bad signature: the outcome stays unknown (error), nothing is counted', async () => {
    const { paymentId } = await paidPayment();
    await t.refundFaults({ badSignatureNext: true });
    const res = await refund(paymentId, { reason: 'forged answer' });
    expect(res.statusCode).toBe(503);
    expect(res.body.message).toContain('outcome is unknown');
    const payment = await t.payment(paymentId);
    expect(payment).toMatchObject({ status: 'paid', refunds: [{ status: 'error', providerMessage: 'refund answer has a bad vnp_SecureHash' }] });
    expect(payment.refundedAmount).toBeUndefined();
  });

  it('refuses a viewer (403), an unpaid payment (409), a bad amount (400) and an unknown payment (404)', async () => {
    const { paymentId } = await paidPayment();
    const viewer = await refund(paymentId, { reason: 'viewer tries' }, adminTokens.viewer);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.body.error).toBe('ROLE_FORBIDDEN');
    expect(await bankRefundsFor(paymentId)).toHaveLength(0);
    expect((await t.payment(paymentId)).refunds).toBeUndefined();

    const pending = await t.createPayment();
    expect((await refund(pending.body.paymentId, { reason: 'not paid yet' })).body).toMatchObject({ error: 'PAYMENT_NOT_REFUNDABLE' });
    const bad = await refund(paymentId, { amount: -5, reason: 'negative' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.details[0].path).toBe('/amount');
    expect((await refund(paymentId, { amount: 1000 })).statusCode).toBe(400);
    expect((await refund('nosuchpayment', { reason: 'unknown' })).statusCode).toBe(404);
  });
});
