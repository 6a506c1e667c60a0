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
  expect(await page.locator('[data-testid=dead-letter-group] h3').first().textContent()).toContain('national-portal · Lỗi vĩnh viễn · HTTP 400 — 1');

  // Filters narrow the list in place: a dossier prefix that matches nothing, then the right one.
  await page.fill('[data-testid=filter-dossier]', 'XYZ');
  await expect.poll(() => page.textContent('[data-testid=no-dead-letters]')).toBe('Không có thư chết khớp bộ lọc.');
  await page.fill('[data-testid=filter-dossier]', (doc.dossierCode as string).slice(0, -4));
  await row.waitFor();
  await page.selectOption('[data-testid=filter-error]', 'RETRIES_EXHAUSTED');
  await page.locator('[data-testid=no-dead-letters]').waitFor();
  await page.selectOption('[data-testid=filter-error]', 'PERMANENT');
  await row.waitFor();

  // Every action asks first, naming what it touches, and will not go without a reason; nothing happens meanwhile.
  await row.locator('[data-testid=retry]').click();
  await expect.poll(() => page.textContent('[data-testid=confirm-text]')).toContain('Gửi lại 1 thư chết');
  await page.click('[data-testid=confirm-ok]');
  await expect.poll(() => page.textContent('[data-testid=confirm-warning]')).toBe('Hãy nhập lý do (ít nhất 3 ký tự).');
  expect((await t.status(messageId)).state).toBe('dead');

  await page.fill('[data-testid=confirm-reason]', 'cổng quốc gia đã sửa lỗi');
  await page.click('[data-testid=confirm-ok]');
  await expect.poll(() => page.textContent('[data-testid=notice-dead-letters]')).toBe('Đã đưa 1 thư trở lại hàng đợi.');
  await t.waitForState(messageId, ['delivered']);

  // A dossier found by the beginning of its code: the codes that start so are offered, one click shows its timeline.
  await page.fill('[data-testid=dossier]', (doc.dossierCode as string).slice(0, -4));
  await page.click('#timeline-form button[type=submit]');
  await page.locator('[data-testid=dossier-match]', { hasText: doc.dossierCode as string }).click();
  await expect.poll(() => page.locator('[data-testid=timeline] [data-testid=timeline-row]').getAttribute('data-state')).toBe('delivered');
  expect(await page.locator('[data-testid=timeline] [data-testid=timeline-row]').textContent()).toContain('Cập nhật trạng thái hồ sơ');

  // Pause and resume the destination from the queue table; both asked first, both land in the audit trail.
  for (const action of ['pause', 'resume'] as const) {
    await page.click(`[data-testid=${action}]`);
    await page.fill('[data-testid=confirm-reason]', 'cổng quốc gia đã sửa lỗi');
    await page.click('[data-testid=confirm-ok]');
    await expect.poll(() => t.gateway.queues.get('national-portal').isPaused()).toBe(action === 'pause');
  }

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
