import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';
import { until } from '../helpers/until.ts';

let t: PaymentTestGateway;
let browser: Browser;
beforeAll(async () => {
  // Payments expire 1 s after creation, so one can be paid after its expiry.
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig, payments: { providers: { vnpay: { paymentTtlMs: 1000 } } } } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${t.url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${adminTokens.operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
};

it('the payments view shows what an operator must look at: flagged by the bank, paid after expiry, refunds with the bank’s answer', async () => {
  // Flagged: the bank says suspect.
  const flagged = await t.createPayment();
  await t.pay(flagged.body.paymentUrl, { outcome: 'suspect' });
  // Paid after the gateway expired it (the citizen was still on the bank's page).
  const late = await t.createPayment();
  await until('the payment to expire', () => t.payment(late.body.paymentId), (p) => p.status === 'expired');
  await t.pay(late.body.paymentUrl);
  await until('the late payment to be settled', () => t.payment(late.body.paymentId), (p) => p.status === 'paid');
  // Refunded: paid in time, then refunded by an operator; a second one the bank refuses.
  const refunded = await t.createPayment();
  await t.pay(refunded.body.paymentUrl);
  await until('the payment to be paid', () => t.payment(refunded.body.paymentId), (p) => p.status === 'paid');
  expect((await admin('POST', `/payments/${refunded.body.paymentId}/refund`, { amount: 50_000, reason: 'Thu thừa phí' })).status).toBe(200);
  await t.refundFaults({ refuseNext: '95' });
  expect((await admin('POST', `/payments/${refunded.body.paymentId}/refund`, { amount: 10_000, reason: 'Thu thừa phí lần 2' })).status).toBe(422);

  const view = (await admin('GET', '/views/payments')).body;
  expect(view).toMatchObject({ configured: true, needsReview: 1 });
  expect(view.settledAfterExpiry.map((p: any) => p.paymentId)).toEqual([late.body.paymentId]);
  expect(view.refunds.map((r: any) => [r.paymentId, r.refund.amount, r.refund.status])).toEqual([
    [refunded.body.paymentId, 10_000, 'refused'],
    [refunded.body.paymentId, 50_000, 'refunded'],
  ]);

  for (const [width, language] of [[1366, 'vi'], [1024, 'en']] as const) {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.goto(`${t.url}/admin`);
    await page.fill('[data-testid=token]', adminTokens.operator);
    await page.click('#login button[type=submit]');
    if (language === 'en') await page.click('[data-testid=language]');
    await page.locator(`[data-testid=late-payment][data-payment-id="${late.body.paymentId}"]`).waitFor();
    await page.locator(`[data-testid=review][data-payment-id="${flagged.body.paymentId}"]`).waitFor();
    const refundRows = page.locator('[data-testid=refund]');
    await expect.poll(() => refundRows.count()).toBe(2);
    // Rows drawn before the language switch are drawn again in the new language: wait for that, not for the first draw.
    await expect.poll(() => page.locator(`[data-testid=late-payment]`).textContent()).toContain(language === 'vi' ? 'đã thanh toán' : 'paid');
    await expect.poll(() => refundRows.first().textContent()).toContain(language === 'vi' ? 'bị từ chối' : 'refused');
    expect(await refundRows.first().textContent()).toContain('95');
    await expect.poll(() => refundRows.last().textContent()).toContain(language === 'vi' ? 'đã hoàn tiền' : 'refunded');
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    if (process.env.DASHBOARD_SCREENSHOTS) {
      await page.locator('#payments').screenshot({ path: `${process.env.DASHBOARD_SCREENSHOTS}/payments-${width}-${language}.png` });
    }
    await page.close();
  }
}, 90_000);
