import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { adminCall, adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

let t: PaymentTestGateway;
beforeAll(async () => {
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(async () => {
  await t?.close();
});

const rspCodes = (sent: Array<{ reply: unknown }>) => sent.map((s) => (s.reply as { RspCode: string }).RspCode);
const statusesAtProvince = async (dossierCode: string) => (await t.provincial.eventsFor(dossierCode)).map((e) => e.event.data.status);
const portalStatuses = async (dossierCode: string) =>
  (await t.portal.effectsFor(dossierCode)).filter((e) => e.service === 'CapNhatThanhToanHoSoMC').map((e) => (e.payload.data as any[])[0].TrangThaiThanhToan);
const reviewGauge = async () => Number(/^gateway_payments_needing_review (\d+)/m.exec(await (await request(`${t.url}/metrics`)).body.text())?.[1]);

/** Creates a payment and has the bank call back with `outcome`; returns the payment and the IPN replies. */
async function flagged(outcome: 'suspect' | 'reversed' | 'fraud', copies = 1) {
  const doc = paymentRequest();
  const created = await t.createPayment(doc);
  const { sent } = await t.pay(created.body.paymentUrl, { outcome, copies });
  return { doc, dossierCode: doc.dossierCode as string, paymentId: created.body.paymentId as string, sent };
}

describe('VNPAY payments that need an operator', () => {
  it('settles vnp_ResponseCode 07 (debited, suspect) as needs-review once under 20 identical IPNs, and tells the province exactly that', async () => {
    const { dossierCode, paymentId, sent } = await flagged('suspect', 20);
    expect(sent[0]!.params).toMatchObject({ vnp_ResponseCode: '07', vnp_TransactionStatus: '00' });
    const codes = rspCodes(sent);
    expect(codes.filter((c) => c === '00')).toHaveLength(1);
    expect(codes.filter((c) => c === '02')).toHaveLength(19);
    expect(await t.payment(paymentId)).toMatchObject({ status: 'needs-review', review: { reason: 'suspect' } });

    await until('the province to hear of the payment', () => statusesAtProvince(dossierCode), (s) => s.length > 0);
    await t.drain();
    expect(await statusesAtProvince(dossierCode)).toEqual(['needs-review']);
    const [event] = await t.provincial.eventsFor(dossierCode);
    expect(event!.event).toMatchObject({ type: 'payment.result.v1', data: { paymentId, status: 'needs-review', review: { reason: 'suspect' } } });
    expect(await portalStatuses(dossierCode)).toEqual(['4']);
  });

  it('settles vnp_TransactionStatus 04 (reversed after the debit) and 07 (suspected fraud) as needs-review, listed for admins and counted', async () => {
    const reversed = await flagged('reversed');
    const fraud = await flagged('fraud');
    expect(rspCodes(reversed.sent)).toEqual(['00']);
    expect(await t.payment(reversed.paymentId)).toMatchObject({ status: 'needs-review', review: { reason: 'reversed' } });
    expect(await t.payment(fraud.paymentId)).toMatchObject({ status: 'needs-review', review: { reason: 'suspected-fraud' } });

    const list = await adminCall(t, adminTokens.viewer, 'GET', '/payments?status=needs-review');
    expect(list.statusCode).toBe(200);
    const listed = new Map(list.body.payments.map((p: any) => [p.paymentId, p]));
    expect(listed.get(reversed.paymentId)).toMatchObject({ status: 'needs-review', providerCodes: { vnp_ResponseCode: '99', vnp_TransactionStatus: '04' } });
    expect(listed.get(fraud.paymentId)).toMatchObject({ providerCodes: { vnp_TransactionStatus: '07' } });
    expect(await reviewGauge()).toBe(list.body.payments.length);

    await until('the province to hear of the reversed payment', () => statusesAtProvince(reversed.dossierCode), (s) => s.length > 0);
    await t.drain();
    expect(await statusesAtProvince(reversed.dossierCode)).toEqual(['needs-review']);
  });

  it('holds the fees while under review: a new payment for them is refused, so the citizen is not charged twice', async () => {
    const { doc } = await flagged('suspect');
    const again = await t.createPayment({ ...doc, returnUrl: 'https://motcua.example.gov.vn/lan-2' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({ error: 'PAYMENT_UNDER_REVIEW', details: [{ path: '/fees' }] });
  });

  it('lets an operator resolve it as paid: audited, then the province and the portal hear "paid"', async () => {
    const { dossierCode, paymentId } = await flagged('reversed');
    await until('the province to hear of the payment', () => statusesAtProvince(dossierCode), (s) => s.length > 0);
    const before = await reviewGauge();

    const resolved = await adminCall(t, adminTokens.operator, 'POST', `/payments/${paymentId}/review`, { outcome: 'paid', reason: 'VNPAY merchant admin confirms the debit' });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'paid', review: { reason: 'reversed', resolvedAs: 'paid' } });
    expect(await reviewGauge()).toBe(before - 1);

    await until('the province to hear of the review\'s outcome', () => statusesAtProvince(dossierCode), (s) => s.length >= 2);
    await t.drain();
    expect(await statusesAtProvince(dossierCode)).toEqual(['needs-review', 'paid']);
    expect(await portalStatuses(dossierCode)).toEqual(['4', '1']);
    const events = await t.provincial.eventsFor(dossierCode);
    expect(events[1]!.event.data).toMatchObject({ status: 'paid', review: { reason: 'reversed', resolvedAs: 'paid' } });

    const { body: audit } = await adminCall(t, adminTokens.viewer, 'GET', '/audit?limit=20');
    expect(audit.entries).toContainEqual(expect.objectContaining({ actor: 'it-operator', action: 'payment-review-paid', target: paymentId, reason: 'VNPAY merchant admin confirms the debit' }));

    const twice = await adminCall(t, adminTokens.operator, 'POST', `/payments/${paymentId}/review`, { outcome: 'failed', reason: 'second thoughts' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body.error).toBe('PAYMENT_NOT_UNDER_REVIEW');
  });

  it('resolved as failed frees the fees for a new payment and tells the province "failed"', async () => {
    const { doc, dossierCode, paymentId } = await flagged('fraud');
    const resolved = await adminCall(t, adminTokens.operator, 'POST', `/payments/${paymentId}/review`, { outcome: 'failed', reason: 'bank reversed the debit' });
    expect(resolved.body.status).toBe('failed');
    await until('the province to hear of the review\'s outcome', () => statusesAtProvince(dossierCode), (s) => s.length >= 2);
    await t.drain();
    expect(await statusesAtProvince(dossierCode)).toEqual(['needs-review', 'failed']);
    expect((await t.createPayment(doc)).statusCode).toBe(201);
  });

  it('refuses a viewer (403), a missing reason or a bad outcome (400), an unknown payment (404) and a paid one (409)', async () => {
    const { paymentId } = await flagged('suspect');
    expect((await adminCall(t, adminTokens.viewer, 'POST', `/payments/${paymentId}/review`, { outcome: 'paid', reason: 'looks fine' })).body.error).toBe('ROLE_FORBIDDEN');
    const bad = await adminCall(t, adminTokens.operator, 'POST', `/payments/${paymentId}/review`, { outcome: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error).toBe('SCHEMA_INVALID');
    expect((await adminCall(t, adminTokens.operator, 'POST', '/payments/nosuchpayment/review', { outcome: 'paid', reason: 'x'.repeat(5) })).statusCode).toBe(404);
    const paid = await t.createPayment();
    await t.pay(paid.body.paymentUrl);
    const notInReview = await adminCall(t, adminTokens.operator, 'POST', `/payments/${paid.body.paymentId}/review`, { outcome: 'failed', reason: 'not flagged' });
    expect(notInReview.statusCode).toBe(409);
    expect((await t.payment(paymentId)).status).toBe('needs-review');
    expect((await adminCall(t, adminTokens.viewer, 'GET', '/payments?status=paid')).statusCode).toBe(400);
  });
});
