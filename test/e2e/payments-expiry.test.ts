import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';
import { until } from '../helpers/until.ts';

let t: PaymentTestGateway;
beforeAll(async () => {
  // Payments expire 400 ms after creation; the checker looks every 200 ms.
  t = await startPaymentTestGateway({ overrides: { payments: { providers: { vnpay: { paymentTtlMs: 400 } } } } });
});
afterAll(async () => {
  await t?.close();
});

describe('payments nobody called back about', () => {
  it('asks the bank after expiry: paid there without an IPN → settled by query and reported once', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    expect((await t.pay(created.body.paymentUrl, { fault: 'no-ipn' })).sent).toEqual([]);
    const payment = await until('the payment to be settled', () => t.payment(created.body.paymentId), (p) => p.status !== 'pending');
    expect(payment).toMatchObject({ status: 'paid', settledBy: 'query', amount: 200_000 });
    await until('the province to hear of the payment', () => t.provincial.eventsFor(doc.dossierCode as string), (e) => e.length > 0);
    await t.drain(); // "reported once": a second result, had one been queued, is delivered by now
    expect((await t.provincial.eventsFor(doc.dossierCode as string)).map((e) => e.event.data)).toEqual([expect.objectContaining({ status: 'paid', paymentId: created.body.paymentId })]);
  });

  it('learns from querydr that the bank reversed a payment (status 04): needs-review, not failed, and the province hears that', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    expect((await t.pay(created.body.paymentUrl, { outcome: 'reversed', fault: 'no-ipn' })).sent).toEqual([]);
    const payment = await until('the payment to be settled', () => t.payment(created.body.paymentId), (p) => p.status !== 'pending');
    expect(payment).toMatchObject({ status: 'needs-review', settledBy: 'query', review: { reason: 'reversed' } });
    await until('the province to hear of the payment', () => t.provincial.eventsFor(doc.dossierCode as string), (e) => e.length > 0);
    await t.drain();
    expect((await t.provincial.eventsFor(doc.dossierCode as string)).map((e) => e.event.data.status)).toEqual(['needs-review']);
  });

  it('expires a payment the citizen never completed and tells the province', async () => {
    const opened = await t.createPayment(paymentRequest()); // opened at the bank, never paid
    await fetch(opened.body.paymentUrl).then((r) => r.text());
    const never = await t.createPayment(paymentRequest()); // the bank never even saw it
    for (const id of [opened.body.paymentId, never.body.paymentId]) {
      expect(await until(`payment ${id} to be settled`, () => t.payment(id), (p) => p.status !== 'pending')).toMatchObject({ status: 'expired', settledBy: 'expiry' });
    }
    await until('the province to hear the payment expired', () => t.provincial.eventsFor(never.body.dossierCode), (e) => e.length > 0);
    await t.drain();
    expect((await t.provincial.eventsFor(never.body.dossierCode)).map((e) => e.event.data.status)).toEqual(['expired']);
  });

  it('a payment paid after it expired takes its fees back: the same fees are then refused as paid, not asked for again', async () => {
    const doc = paymentRequest();
    const late = await t.createPayment(doc);
    await until('the payment to expire', () => t.payment(late.body.paymentId), (p) => p.status === 'expired');
    await t.pay(late.body.paymentUrl); // the citizen was still on the bank's page
    await until('the late payment to be settled', () => t.payment(late.body.paymentId), (p) => p.status === 'paid');
    const again = await t.createPayment(doc);
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({ error: 'PAYMENT_ALREADY_PAID' });
  });

  it('a delayed IPN after the query settled the payment is answered "already confirmed", one result downstream', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    await t.pay(created.body.paymentUrl, { fault: 'delayed', delayMs: 1500 });
    expect(await until('the payment to be settled', () => t.payment(created.body.paymentId), (p) => p.status !== 'pending')).toMatchObject({ status: 'paid', settledBy: 'query' });
    const state = await until('the delayed IPN to reach the gateway', () => t.bankState(), (s) => s.ipn.some((i) => i.txnRef === created.body.paymentId));
    expect(state.ipn.filter((i) => i.txnRef === created.body.paymentId).map((i) => i.reply)).toEqual([{ RspCode: '02', Message: 'Order already confirmed' }]);
    await t.drain();
    expect(await t.provincial.eventsFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('publishes a settlement whose messages were never queued (a crash between the two) from the outbox', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    // What a process that died right after the settle script would leave behind: settled, in the outbox, nothing queued.
    const result = await t.gateway.payments!.store.settle(
      { paymentId: created.body.paymentId, outcome: 'paid', transactionNo: '77001234', amount: 200_000, paidAt: new Date().toISOString() },
      'callback',
    );
    expect(result).toBe('confirmed');
    await until('the outbox to publish the settlement to the province', () => t.provincial.eventsFor(doc.dossierCode as string), (e) => e.length > 0);
    await t.drain();
    expect((await t.provincial.eventsFor(doc.dossierCode as string)).map((e) => e.event.data)).toEqual([expect.objectContaining({ status: 'paid', transactionNo: '77001234' })]);
    expect(await t.gateway.payments!.store.outbox()).not.toContain(created.body.paymentId);
  });
});
