import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

let t: PaymentTestGateway;
let browser: Browser;
beforeAll(async () => {
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('an operator sees payments the bank flagged on /admin and confirms one as paid', async () => {
  const flagged: string[] = [];
  for (const outcome of ['suspect', 'reversed'] as const) {
    const created = await t.createPayment();
    await t.pay(created.body.paymentUrl, { outcome });
    flagged.push(created.body.paymentId);
  }

  const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
  await page.goto(`${t.url}/admin`);
  await page.fill('[data-testid=token]', adminTokens.operator);
  await page.click('#login button[type=submit]');
  const row = (paymentId: string) => page.locator(`[data-testid=review][data-payment-id="${paymentId}"]`);
  await row(flagged[1]!).waitFor();
  expect(await row(flagged[0]!).textContent()).toContain('nghi ngờ (đã trừ tiền)');
  expect(await row(flagged[1]!).textContent()).toContain('TransactionStatus=04');
  if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });

  await row(flagged[0]!).locator('[data-testid=review-paid]').click();
  await expect.poll(() => page.textContent('[data-testid=confirm-text]')).toContain(`Xác nhận thanh toán ${flagged[0]}`);
  await page.fill('[data-testid=confirm-reason]', 'Đã đối soát với VNPAY: tiền đã về');
  await page.click('[data-testid=confirm-ok]');
  await expect.poll(async () => (await t.payment(flagged[0]!)).status).toBe('paid');
  await expect.poll(() => row(flagged[0]!).count()).toBe(0);
  expect(await row(flagged[1]!).count()).toBe(1);
  expect(await page.textContent('[data-testid=notice-payments]')).toBe(`Thanh toán ${flagged[0]}: đã thanh toán.`);
  expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
});
