import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { hmacSha512, signedDataOf } from '../../connectors/bank-vnpay/secure-hash.ts';
import { bankOptions } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

let t: PaymentTestGateway;
beforeAll(async () => {
  t = await startPaymentTestGateway();
});
afterAll(async () => {
  await t?.close();
});

const rspCodes = (sent: Array<{ reply: unknown }>) => sent.map((s) => (s.reply as { RspCode: string }).RspCode);

/** Waits until the province has heard of the dossier's payment, then until every queue is empty, so a second message would be there too. */
async function provincialEventsFor(dossierCode: string) {
  await until(`the province to hear of dossier ${dossierCode}'s payment`, () => t.provincial.eventsFor(dossierCode), (events) => events.length > 0);
  await t.drain();
  return t.provincial.eventsFor(dossierCode);
}

describe('payments through a VNPAY-style provider', () => {
  it('creates a payment, confirms the signed IPN once and tells the province and the national portal', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', amount: 200_000, currency: 'VND', dossierCode: doc.dossierCode });
    const url = new URL(created.body.paymentUrl);
    expect(url.searchParams.get('vnp_Amount')).toBe('20000000'); // VND × 100
    expect(url.searchParams.get('vnp_TxnRef')).toBe(created.body.paymentId);

    const { sent } = await t.pay(created.body.paymentUrl);
    expect(rspCodes(sent)).toEqual(['00']);
    expect(sent[0]!.reply).toEqual({ RspCode: '00', Message: 'Confirm Success' });
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback', transactionNo: sent[0]!.params.vnp_TransactionNo });

    const events = await provincialEventsFor(doc.dossierCode as string);
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({ type: 'payment.result.v1', dossierCode: doc.dossierCode, data: { paymentId: created.body.paymentId, status: 'paid', amount: 200_000 } });
    const portal = (await t.portal.effectsFor(doc.dossierCode as string)).filter((e) => e.service === 'CapNhatThanhToanHoSoMC');
    expect(portal).toHaveLength(1);
    expect((portal[0]!.payload.data as any[])[0]).toMatchObject({ MaThanhToan: created.body.paymentId, TrangThaiThanhToan: '1', SoTien: 200_000 });
  });

  it('answers a duplicate IPN "already confirmed" and sends one result downstream', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay(created.body.paymentUrl, { fault: 'duplicate' });
    expect(rspCodes(sent)).toEqual(['00', '02']);
    expect(await provincialEventsFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('confirms exactly once when 50 identical IPNs arrive at the same time', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay(created.body.paymentUrl, { copies: 50 });
    const codes = rspCodes(sent);
    expect(codes).toHaveLength(50);
    expect(codes.filter((c) => c === '00')).toHaveLength(1);
    expect(codes.filter((c) => c === '02')).toHaveLength(49);
    expect(await provincialEventsFor(doc.dossierCode as string)).toHaveLength(1);
    expect((await t.portal.effectsFor(doc.dossierCode as string)).filter((e) => e.service === 'CapNhatThanhToanHoSoMC')).toHaveLength(1);
  });

  it('refuses a genuinely signed IPN with the wrong amount (04) and leaves the payment pending', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay(created.body.paymentUrl, { fault: 'wrong-amount' });
    expect(rspCodes(sent)).toEqual(['04']);
    expect((await t.payment(created.body.paymentId)).status).toBe('pending');
    await t.drain();
    expect(await t.provincial.eventsFor(doc.dossierCode as string)).toHaveLength(0);
  });

  it('refuses an IPN whose amount was tampered with after signing (97) and confirms nothing', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay(created.body.paymentUrl, { fault: 'no-ipn' });
    expect(sent).toEqual([]);
    // Forge the IPN the bank would send, signed, then lower the amount without re-signing.
    const params: Record<string, string> = {
      vnp_TmnCode: bankOptions.tmnCode, vnp_Amount: '20000000', vnp_BankCode: 'NCB', vnp_OrderInfo: 'x', vnp_PayDate: '20261123101500',
      vnp_ResponseCode: '00', vnp_TransactionNo: '14220001', vnp_TransactionStatus: '00', vnp_TxnRef: created.body.paymentId,
    };
    params.vnp_SecureHash = hmacSha512(bankOptions.hashSecret, signedDataOf(params));
    const tampered = { ...params, vnp_Amount: '2000000' };
    const ipn = async (p: Record<string, string>) => (await request(`${t.url}/v1/payments/callbacks/vnpay?${new URLSearchParams(p)}`)).body.json();
    expect(await ipn(tampered)).toEqual({ RspCode: '97', Message: 'Invalid signature' });
    expect((await t.payment(created.body.paymentId)).status).toBe('pending');
    // The untouched IPN is accepted, with the hash in upper case as some providers send it.
    expect(await ipn({ ...params, vnp_SecureHash: params.vnp_SecureHash!.toUpperCase() })).toMatchObject({ RspCode: '00' });
  });

  it('answers 97 for a bad signature, 01 for an unknown order, 99 for a signed but incomplete IPN', async () => {
    const created = await t.createPayment();
    expect(rspCodes((await t.pay(created.body.paymentUrl, { fault: 'bad-signature' })).sent)).toEqual(['97']);
    expect(rspCodes((await t.pay(created.body.paymentUrl, { fault: 'unknown-order' })).sent)).toEqual(['01']);
    const incomplete: Record<string, string> = { vnp_TmnCode: bankOptions.tmnCode, vnp_Amount: '20000000', vnp_TxnRef: created.body.paymentId, vnp_ResponseCode: '00' };
    incomplete.vnp_SecureHash = hmacSha512(bankOptions.hashSecret, signedDataOf(incomplete));
    const res = await request(`${t.url}/v1/payments/callbacks/vnpay?${new URLSearchParams(incomplete)}`);
    expect(await res.body.json()).toEqual({ RspCode: '99', Message: 'Invalid request' });
    expect((await t.payment(created.body.paymentId)).status).toBe('pending');
  });

  it('records a failed payment, tells the province, and frees the fees for a new payment', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    expect(rspCodes((await t.pay(created.body.paymentUrl, { outcome: 'failed' })).sent)).toEqual(['00']);
    expect((await t.payment(created.body.paymentId)).status).toBe('failed');
    const events = await provincialEventsFor(doc.dossierCode as string);
    expect(events.map((e) => e.event.data.status)).toEqual(['failed']);
    const again = await t.createPayment(doc);
    expect(again.statusCode).toBe(201);
    expect(again.body.paymentId).not.toBe(created.body.paymentId);
  });

  it('keeps one open payment per dossier and fees: same request → same payment, other request → 409, paid → 409', async () => {
    const doc = paymentRequest();
    const first = await t.createPayment(doc);
    const repeat = await t.createPayment(doc);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.body.paymentId).toBe(first.body.paymentId);
    const other = await t.createPayment({ ...doc, fees: [...(doc.fees as any[])].reverse(), returnUrl: 'https://motcua.example.gov.vn/khac' });
    expect(other.statusCode).toBe(409);
    expect(other.body).toMatchObject({ error: 'PAYMENT_OPEN', details: [{ path: '/fees' }] });
    await t.pay(first.body.paymentUrl);
    const afterPaid = await t.createPayment(doc);
    expect(afterPaid.statusCode).toBe(409);
    expect(afterPaid.body.error).toBe('PAYMENT_ALREADY_PAID');
  });

  it('refuses a total that is not the sum of the fees, an unknown provider, and a zero amount, naming the field', async () => {
    const wrongTotal = await t.createPayment(paymentRequest({ totalAmount: 199_000 }));
    expect(wrongTotal.statusCode).toBe(400);
    expect(wrongTotal.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/totalAmount' }] });
    const unknown = await t.createPayment(paymentRequest({ provider: 'nobank' }));
    expect(unknown.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: '/provider' }] });
    const zero = await t.createPayment(paymentRequest({ fees: [{ code: 'LP01', name: 'x', amount: 0 }], totalAmount: 0 }));
    expect(zero.statusCode).toBe(400);
    expect(zero.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['/fees/0/amount', '/totalAmount']));
  });

  it('cancels an open payment at the partner\'s request, which frees the fees', async () => {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const res = await request(`${t.url}/v1/payments/${created.body.paymentId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(await res.body.json()).toMatchObject({ status: 'cancelled' });
    expect((await t.createPayment(doc)).statusCode).toBe(201);
  });

  it('a cancelled payment the citizen still paid leaves the fees to the payment opened in its place', async () => {
    const doc = paymentRequest();
    const cancelled = await t.createPayment(doc);
    await request(`${t.url}/v1/payments/${cancelled.body.paymentId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` } }).then((r) => r.body.dump());
    const replacement = await t.createPayment(doc);
    expect(replacement.statusCode).toBe(201);
    expect(rspCodes((await t.pay(cancelled.body.paymentUrl)).sent)).toEqual(['00']); // the citizen was still on the bank's page
    expect(await t.payment(cancelled.body.paymentId)).toMatchObject({ status: 'paid', settledAfterExpiry: true });
    // The replacement still holds the fees (an operator refunds one of the two): the same request finds it, open.
    const again = await t.createPayment(doc);
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ paymentId: replacement.body.paymentId, status: 'pending' });
  });

  it('never logs the hash secret or the partner key', async () => {
    const all = t.logs.join('');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(bankOptions.hashSecret);
    expect(all).not.toContain(t.apiKey);
    expect(all).not.toContain('vnp_SecureHash=');
  });
});
