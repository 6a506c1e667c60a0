import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paymentRequest, startPlatformTestGateway, type PlatformTestGateway } from '../helpers/payment-gateway.ts';
import { until } from '../helpers/until.ts';

let t: PlatformTestGateway;
beforeAll(async () => {
  t = await startPlatformTestGateway();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.platformFaults({});
});

const codes = (sent: Array<{ statusCode: number; reply: unknown }>) => sent.map((s) => `${s.statusCode} ${(s.reply as { code: string }).code}`);

async function eventsFor(dossierCode: string) {
  await until(() => t.provincial.eventsFor(dossierCode), (events) => events.length > 0);
  await t.drain();
  return t.provincial.eventsFor(dossierCode);
}

describe('payments through the payment platform (RSA/X.509-signed JSON callbacks)', () => {
  it('creates the order with a signed call, confirms the signed callback, reports it downstream', async () => {
    const doc = paymentRequest({ provider: 'paygov' });
    const created = await t.createPayment(doc);
    expect(created.statusCode).toBe(201);
    expect(created.body.paymentUrl).toBe(`${t.platformUrl}/pay/${created.body.paymentId}`);
    const { sent } = await t.pay({ orderId: created.body.paymentId });
    expect(codes(sent)).toEqual(['200 00']);
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback' });
    expect((await eventsFor(doc.dossierCode as string)).map((e) => e.event.data.status)).toEqual(['paid']);
  });

  it('refuses a body altered after signing, a signer outside the trust store, and a wrong amount; confirms nothing', async () => {
    const created = await t.createPayment();
    expect(codes((await t.pay({ orderId: created.body.paymentId, fault: 'bad-signature' })).sent)).toEqual(['401 97']);
    expect(codes((await t.pay({ orderId: created.body.paymentId, fault: 'untrusted-signer' })).sent)).toEqual(['401 97']);
    expect(codes((await t.pay({ orderId: created.body.paymentId, fault: 'wrong-amount' })).sent)).toEqual(['409 04']);
    expect(codes((await t.pay({ orderId: created.body.paymentId, fault: 'unknown-order' })).sent)).toEqual(['404 01']);
    expect((await t.payment(created.body.paymentId)).status).toBe('pending');
    expect(codes((await t.pay({ orderId: created.body.paymentId, fault: 'duplicate' })).sent)).toEqual(['200 00', '200 02']);
  });

  it('finds the payment when the platform calls back before it has even answered the create call', async () => {
    // The expected payment is stored before the provider is called, so this race cannot lose the callback.
    await t.platformFaults({ instantCallback: true });
    const doc = paymentRequest({ provider: 'paygov' });
    const created = await t.createPayment(doc);
    expect(created.statusCode).toBe(201);
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback' });
    expect((await eventsFor(doc.dossierCode as string)).map((e) => e.event.data.status)).toEqual(['paid']);
  });

  it('answers 503 when the platform cannot create the order, and leaves the fees free', async () => {
    await t.platformFaults({ failNext: 1, status: 503 });
    const doc = paymentRequest({ provider: 'paygov' });
    const refused = await t.createPayment(doc);
    expect(refused.statusCode).toBe(503);
    expect(refused.body.error).toBe('UPSTREAM_UNAVAILABLE');
    expect((await t.createPayment(doc)).statusCode).toBe(201);
  });
});
