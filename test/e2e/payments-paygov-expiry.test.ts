import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRequest, startPaygovTestGateway, type PaygovTestGateway } from '../helpers/payment-gateway.ts';
import { until } from '../helpers/until.ts';

let t: PaygovTestGateway;
beforeAll(async () => {
  // Payments expire 400 ms after creation; the checker looks every 200 ms.
  t = await startPaygovTestGateway({ overrides: { payments: { providers: { paygov: { paymentTtlMs: 400 } } } } });
});
afterAll(async () => {
  await t?.close();
});

const settled = (paymentId: string) => until(`payment ${paymentId} to be settled`, () => t.payment(paymentId), (p) => p.status !== 'pending');

describe('paygov payments nobody called back about: the detail query at expiry', () => {
  it('paid at the platform without a callback → settled by the detail query and reported once', async () => {
    const doc = paymentRequest({ provider: 'paygov' });
    const created = await t.createPayment(doc);
    expect((await t.pay({ transactionId: created.body.paymentId, fault: 'no-callback' })).sent).toEqual([]);
    const code = (await t.platformState()).transactions[created.body.paymentId]!.transactionCode;
    expect(await settled(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'query', amount: 200_000, transactionNo: code });
    await until('the province to hear of the payment', () => t.provincial.eventsFor(doc.dossierCode as string), (e) => e.length > 0);
    await t.drain();
    expect((await t.provincial.eventsFor(doc.dossierCode as string)).map((e) => e.event.data)).toEqual([expect.objectContaining({ status: 'paid', paymentId: created.body.paymentId })]);
  });

  it('failed at the platform without a callback → settled failed by the query', async () => {
    const created = await t.createPayment(paymentRequest({ provider: 'paygov' }));
    await t.pay({ transactionId: created.body.paymentId, outcome: 'failed', fault: 'no-callback' });
    expect(await settled(created.body.paymentId)).toMatchObject({ status: 'failed', settledBy: 'query' });
  });

  it('expires a transaction the citizen never finished (the platform answers it without a status) and tells the province', async () => {
    const opened = await t.createPayment(paymentRequest({ provider: 'paygov' }));
    expect(await settled(opened.body.paymentId)).toMatchObject({ status: 'expired', settledBy: 'expiry' });
    await until('the province to hear the payment expired', () => t.provincial.eventsFor(opened.body.dossierCode), (e) => e.length > 0);
    await t.drain();
    expect((await t.provincial.eventsFor(opened.body.dossierCode)).map((e) => e.event.data.status)).toEqual(['expired']);
  });

  it('a callback delayed past the query that settled the payment is answered success, with one result downstream', async () => {
    const doc = paymentRequest({ provider: 'paygov' });
    const created = await t.createPayment(doc);
    await t.pay({ transactionId: created.body.paymentId, fault: 'delayed', delayMs: 1500 });
    expect(await settled(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'query' });
    const state = await until('the delayed callback to reach the gateway', () => t.platformState(), (s) => s.callbacks.some((c) => c.transactionId === created.body.paymentId));
    expect(state.callbacks.filter((c) => c.transactionId === created.body.paymentId).map((c) => c.reply)).toEqual([{ return_code: 0, return_msg: 'success' }]);
    await t.drain();
    expect(await t.provincial.eventsFor(doc.dossierCode as string)).toHaveLength(1);
  });
});
