import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { transactionChecksum } from '../../connectors/bank-paygov/checksum.ts';
import { vnDayOf } from '../../src/connectors/vietnam-time.ts';
import { adminCall, adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { paygovOptions, paymentRequest, startPaygovTestGateway, type PaygovTestGateway } from '../helpers/payment-gateway.ts';
import { until } from '../helpers/until.ts';

let t: PaygovTestGateway;
beforeAll(async () => {
  t = await startPaygovTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.platformFaults({});
});

const paygovRequest = (overrides: Record<string, unknown> = {}) =>
  paymentRequest({ provider: 'paygov', procedureCode: '1.009994.000.00.00.H22', procedureName: 'Cấp giấy phép xây dựng', ...overrides });
const replies = (sent: Array<{ reply: unknown }>) => sent.map((s) => s.reply);
const success = { return_code: 0, return_msg: 'success' };
const badChecksum = { return_code: -1, return_msg: 'error: check_sum invalid' };

/** Waits until the province has heard of the dossier's payment, then until every queue is empty, so a second message would be there too. */
async function provincialEventsFor(dossierCode: string) {
  await until(`the province to hear of dossier ${dossierCode}'s payment`, () => t.provincial.eventsFor(dossierCode), (events) => events.length > 0);
  await t.drain();
  return t.provincial.eventsFor(dossierCode);
}
const portalPaymentsFor = async (dossierCode: string) => (await t.portal.effectsFor(dossierCode)).filter((e) => e.service === 'CapNhatThanhToanHoSoMC');

/** POSTs a hand-made callback to the gateway. */
async function sendCallback(body: Record<string, unknown>) {
  const res = await request(`${t.url}/v1/payments/callbacks/paygov`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { statusCode: res.statusCode, body: await res.body.json() };
}
/** A callback checksum made with `key` over the given amount (the platform's rule, hashKey2 when genuine). */
const checksumOver = (key: string, transactionId: string, amount: number) =>
  transactionChecksum(key, { additionFee: '0', clientId: paygovOptions.clientId, command: 'PAY', transAmount: String(amount), transactionId, version: '3.0' });

describe('payments through the national payment platform (paygov)', () => {
  it('creates the transaction with the public client\'s body and checksum, confirms the paid callback, reports it once', async () => {
    const doc = paygovRequest();
    const created = await t.createPayment(doc);
    expect(created.statusCode).toBe(201);
    const paymentId = created.body.paymentId as string;
    expect(created.body.paymentUrl).toBe(`${t.platformUrl}/pay/${paymentId}`);

    // What the platform received: its simulator accepted the check_sum (hashKey1) before answering error "0".
    const received = (await t.platformState()).transactions[paymentId]!.request;
    expect(received).toMatchObject({ client_id: paygovOptions.clientId, transaction_id: paymentId, trans_amount: '200000', addition_fee: '0', command: 'PAY', version: '3.0' });
    expect(received.bill_info).toMatchObject({ MaHoSo: doc.dossierCode, MaTTHC: '1.009994.000.00.00.H22', MaDVC: '1.009994.000.00.00.H22', MaDonVi: paygovOptions.maDonVi, TKThuHuong: '1234567890123' });
    expect(received.bill_info.PhiLePhi).toEqual([
      { LoaiPhiLePhi: 2, MaPhiLePhi: 'LP01', TenPhiLePhi: 'Lệ phí cấp giấy phép xây dựng', SoTien: 150_000 },
      { LoaiPhiLePhi: 2, MaPhiLePhi: 'PHI02', TenPhiLePhi: 'Phí thẩm định', SoTien: 50_000 },
    ]);

    const { sent } = await t.pay({ transactionId: paymentId });
    expect(replies(sent)).toEqual([success]);
    expect(sent[0]!.statusCode).toBe(200);
    expect(await t.payment(paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback', transactionNo: sent[0]!.body.transaction_code, amount: 200_000 });
    const events = await provincialEventsFor(doc.dossierCode as string);
    expect(events.map((e) => e.event.data)).toEqual([expect.objectContaining({ paymentId, provider: 'paygov', status: 'paid', amount: 200_000 })]);
    expect(await portalPaymentsFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('records a non-zero status as failed, answers success, tells the province and frees the fees', async () => {
    const doc = paygovRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay({ transactionId: created.body.paymentId, outcome: 'failed' });
    expect(sent[0]!.body.status).toBe(1);
    expect(replies(sent)).toEqual([success]);
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'failed', settledBy: 'callback' });
    expect((await provincialEventsFor(doc.dossierCode as string)).map((e) => e.event.data.status)).toEqual(['failed']);
    expect((await t.createPayment(doc)).statusCode).toBe(201);
  });

  it('refuses a forged checksum and a checksum over another amount with -1 "check_sum invalid", confirming nothing', async () => {
    const doc = paygovRequest();
    const created = await t.createPayment(doc);
    const paymentId = created.body.paymentId as string;
    expect(replies((await t.pay({ transactionId: paymentId, fault: 'bad-checksum' })).sent)).toEqual([badChecksum]);
    // Honestly checksummed by the platform, but over 199,000: the province recomputes over the 200,000 it expects.
    expect(replies((await t.pay({ transactionId: paymentId, fault: 'wrong-amount' })).sent)).toEqual([badChecksum]);
    // A forger without hashKey2: right fields, status 0, checksum made with the key everyone can see (hashKey1).
    const forged = await sendCallback({ client_id: paygovOptions.clientId, transaction_id: paymentId, transaction_code: '1', trans_amount: '200000', status: 0, check_sum: checksumOver(paygovOptions.hashKey1, paymentId, 200_000) });
    expect(forged).toEqual({ statusCode: 200, body: badChecksum });
    expect((await t.payment(paymentId)).status).toBe('pending');
    await t.drain();
    expect(await t.provincial.eventsFor(doc.dossierCode as string)).toHaveLength(0);
  });

  it('answers -1 for an unknown transaction and for a body it cannot read, and the payment stays pending', async () => {
    const created = await t.createPayment(paygovRequest());
    expect(replies((await t.pay({ transactionId: created.body.paymentId, fault: 'unknown-transaction' })).sent)).toEqual([{ return_code: -1, return_msg: 'error: transaction not found' }]);
    const raw = await request(`${t.url}/v1/payments/callbacks/paygov`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"transaction_id":' });
    expect(raw.statusCode).toBe(200);
    expect(await raw.body.json()).toEqual({ return_code: -1, return_msg: 'error: data invalid' });
    const noStatus = await sendCallback({ transaction_id: created.body.paymentId, check_sum: checksumOver(paygovOptions.hashKey2, created.body.paymentId, 200_000) });
    expect(noStatus.body).toEqual({ return_code: -1, return_msg: 'error: data invalid' });
    expect((await t.payment(created.body.paymentId)).status).toBe('pending');
  });

  it('settles once when 50 identical callbacks arrive at the same time: one message to the province, one to the portal', async () => {
    const doc = paygovRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay({ transactionId: created.body.paymentId, copies: 50 });
    expect(sent).toHaveLength(50);
    expect(new Set(sent.map((s) => JSON.stringify(s.reply)))).toEqual(new Set([JSON.stringify(success)])); // a repeat is "success" in this protocol
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback' });
    expect(await provincialEventsFor(doc.dossierCode as string)).toHaveLength(1);
    expect(await portalPaymentsFor(doc.dossierCode as string)).toHaveLength(1);
  });

  it('finds the payment when the platform calls back before it has answered the create request', async () => {
    await t.platformFaults({ instantCallback: true });
    const doc = paygovRequest();
    const created = await t.createPayment(doc);
    expect(created.statusCode).toBe(201);
    expect((await t.platformState()).callbacks.filter((c) => c.transactionId === created.body.paymentId).map((c) => c.reply)).toEqual([success]);
    expect(await t.payment(created.body.paymentId)).toMatchObject({ status: 'paid', settledBy: 'callback' });
  });

  it('answers 503 when the platform cannot create the transaction, and leaves the fees free', async () => {
    await t.platformFaults({ failNext: 1, status: 503 });
    const doc = paygovRequest();
    const refused = await t.createPayment(doc);
    expect(refused.statusCode).toBe(503);
    expect(refused.body.error).toBe('UPSTREAM_UNAVAILABLE');
    expect((await t.createPayment(doc)).statusCode).toBe(201);
  });

  it('reconciles a platform settlement file against paygov payments by transaction code', async () => {
    const created = await t.createPayment(paygovRequest());
    const paymentId = created.body.paymentId as string;
    const code = (await t.pay({ transactionId: paymentId })).sent[0]!.body.transaction_code as string;
    const today = vnDayOf(new Date().toISOString());
    const reconcile = async (line: string) =>
      (await adminCall(t, adminTokens.viewer, 'POST', '/payments/reconcile', { date: today, provider: 'paygov', csv: `transaction_no,order_id,amount,currency,paid_at\n${line}\n` })).body;
    const matching = await reconcile(`${code},${paymentId},200000,VND,${today}`);
    expect(matching).toMatchObject({ provider: 'paygov', matched: 1, missingInGateway: [], mismatches: [] });
    expect(matching.missingAtBank.map((p: { orderId: string }) => p.orderId)).not.toContain(paymentId);
    const otherCode = await reconcile(`9${code},${paymentId},200000,VND,${today}`);
    expect(otherCode.mismatches).toEqual([{ orderId: paymentId, field: 'transactionNo', bank: `9${code}`, gateway: code }]);
  });

  it('never logs the hash keys or a check_sum', async () => {
    const all = t.logs.join('');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(paygovOptions.hashKey1);
    expect(all).not.toContain(paygovOptions.hashKey2);
    const checksums = (await t.platformState()).callbacks.map((c) => c.body.check_sum as string);
    expect(checksums.length).toBeGreaterThan(0);
    for (const checksum of checksums) expect(all).not.toContain(checksum);
  });
});
