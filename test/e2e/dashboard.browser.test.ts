import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { adminConfig, adminTokens, makeDeadLetter, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
let browser: Browser;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('an operator finds a dead letter on /admin, retries it, and sees it delivered, on a narrow laptop screen', async () => {
  const doc = statusUpdate();
  const messageId = await makeDeadLetter(t, 400, doc);

  const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
  await page.goto(`${t.url}/admin`);
  await expect.poll(() => page.textContent('h1')).toBe('Cổng tích hợp — Quản trị');
  await page.fill('[data-testid=token]', adminTokens.operator);
  await page.click('#login button[type=submit]');

  const row = page.locator(`[data-testid=dead-letter][data-message-id="${messageId}"]`);
  await row.waitFor();
  expect(await page.isVisible('[data-testid=login]')).toBe(false);
  expect(await row.textContent()).toContain('HTTP 400');
  expect(await page.locator('[data-testid=dead-letter-group] h3').first().textContent()).toContain('PERMANENT · HTTP 400');

  await row.locator('[data-testid=retry]').click();
  await expect.poll(() => page.textContent('[data-testid=status]')).toBe('Hãy nhập lý do trước khi thao tác.');
  expect((await t.status(messageId)).state).toBe('dead');

  await page.fill('[data-testid=reason]', 'cổng quốc gia đã sửa lỗi');
  await row.locator('[data-testid=retry]').click();
  await expect.poll(() => page.textContent('[data-testid=status]')).toContain('Đã thực hiện');
  await t.waitForState(messageId, ['delivered']);

  await page.fill('[data-testid=dossier]', doc.dossierCode as string);
  await page.click('#timeline-form button[type=submit]');
  await expect.poll(() => page.locator('[data-testid=timeline-row]').getAttribute('data-state')).toBe('delivered');

  // Pause and resume the destination from the queue table; both land in the audit trail.
  await page.click('[data-testid=pause]');
  await expect.poll(() => t.gateway.queues.get('national-portal').isPaused()).toBe(true);
  await page.click('[data-testid=resume]');
  await expect.poll(() => t.gateway.queues.get('national-portal').isPaused()).toBe(false);

  // English labels on demand, and nothing wider than the screen.
  await page.click('[data-testid=language]');
  expect(await page.textContent('h1')).toBe('Integration gateway — Admin');
  expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
  const audit = (await (await fetch(`${t.url}/admin/api/audit?limit=3`, { headers: { authorization: `Bearer ${adminTokens.viewer}` } })).json()) as {
    entries: Array<{ action: string; reason: string }>;
  };
  expect(audit.entries.map((e) => [e.action, e.reason])).toEqual([
    ['resume', 'cổng quốc gia đã sửa lỗi'],
    ['pause', 'cổng quốc gia đã sửa lỗi'],
    ['retry', 'cổng quốc gia đã sửa lỗi'],
  ]);
}, 60_000);
