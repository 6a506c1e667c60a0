import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { until } from '../helpers/until.ts';
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

/** DASHBOARD_SCREENSHOTS=/tmp/dir keeps a picture of each step, to look at. */
async function picture(page: Page, name: string): Promise<void> {
  if (process.env.DASHBOARD_SCREENSHOTS) await page.screenshot({ path: `${process.env.DASHBOARD_SCREENSHOTS}/${name}.png`, fullPage: true });
}

async function signIn(width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  await page.goto(`${t.url}/admin`);
  await page.fill('[data-testid=token]', adminTokens.operator);
  await page.click('#login button[type=submit]');
  await page.locator('[data-testid=live]').getByText('Trực tiếp').waitFor();
  return page;
}

it('the page follows the gateway live: a new dead letter appears, and after a group retry the ones that die again are back, without a reload', async () => {
  const page = await signIn(1366);
  await page.locator('[data-testid=no-dead-letters]').waitFor();
  const reloads: string[] = [];
  page.on('framenavigated', (frame) => reloads.push(frame.url()));

  // Dead letters made while the page is open appear by themselves: one refused with 400, two with 422.
  const other = await makeDeadLetter(t, 400);
  await page.locator(`[data-testid=dead-letter][data-message-id="${other}"]`).waitFor();
  const docs = [statusUpdate(), statusUpdate()];
  const ids = [await makeDeadLetter(t, 422, docs[0]), await makeDeadLetter(t, 422, docs[1])];
  for (const id of ids) await page.locator(`[data-testid=dead-letter][data-message-id="${id}"]`).waitFor();
  const group = page.locator('[data-testid=dead-letter-group]', { hasText: 'HTTP 422' });
  expect(await group.locator('h3').textContent()).toContain('national-portal · Lỗi vĩnh viễn · HTTP 422 — 2');
  await expect.poll(() => page.locator('[data-testid=queues] tr[data-destination=national-portal] td').nth(1).textContent()).toBe('3');
  await expect.poll(() => page.locator('[data-testid=throughput] tr[data-destination=national-portal] td').nth(2).textContent()).toBe('0 / 3');
  await picture(page, 'live-1366-vi');
  await page.click('[data-testid=language]');
  await expect.poll(() => group.locator('h3').textContent()).toContain('national-portal · Permanent error · HTTP 422 — 2');
  await picture(page, 'live-1366-en');
  await page.click('[data-testid=language]');
  await expect.poll(() => group.locator('h3').textContent()).toContain('Lỗi vĩnh viễn');

  // The portal still refuses: a group retry sends both back (not the 400), and both die again. The confirmation names the count.
  await t.portal.faults({ failNext: 100_000, status: 422 });
  await group.locator('[data-testid=retry-group]').click();
  await expect.poll(() => page.textContent('[data-testid=confirm-text]')).toBe('Gửi lại 2 thư chết của nhóm “national-portal · Lỗi vĩnh viễn · HTTP 422”?');
  expect(await page.textContent('[data-testid=confirm-ok]')).toBe('Gửi lại (2)');
  await picture(page, 'confirm-1366-vi');
  await page.fill('[data-testid=confirm-reason]', 'thử lại sau khi cổng sửa');
  await page.click('[data-testid=confirm-ok]');
  await expect.poll(() => page.textContent('[data-testid=notice-dead-letters]')).toBe('Khớp 2 thư; đã đưa 2 thư trở lại hàng đợi.');
  // Dead again at the gateway, and the page says so by itself.
  for (const id of ids) await t.waitForState(id, ['dead']);
  await expect.poll(() => group.locator('[data-testid=dead-letter]').count(), { timeout: 15_000 }).toBe(2);
  // Polled like the group's count: a live update can land between the two reads and the list be mid-redraw.
  await expect.poll(() => page.locator('[data-testid=dead-letter]').count(), { timeout: 15_000 }).toBe(3);
  expect(await page.isVisible('[data-testid=no-dead-letters]')).toBe(false);
  await expect.poll(() => page.locator('[data-testid=throughput] tr[data-destination=national-portal] td').nth(2).textContent()).toBe('0 / 5');
  await t.portal.faults({});
  expect(reloads).toEqual([]);
  await page.close();
}, 90_000);

it('answers that come back out of order never take the list back: a dead letter the queues count stays listed', async () => {
  const page = await signIn(1366);
  // Two live updates a moment apart, their answers the other way round: the older one reaches the page last.
  const older = await holdNext(page, '/admin/api/dead-letters');
  const first = await makeDeadLetter(t, 410);
  await older.asked();
  const second = await makeDeadLetter(t, 410);
  await page.locator(`[data-testid=dead-letter][data-message-id="${second}"]`).waitFor();
  await older.release(); // it lists the first, not the second
  expect(await page.locator(`[data-testid=dead-letter][data-message-id="${second}"]`).count()).toBe(1);
  expect(await page.locator(`[data-testid=dead-letter][data-message-id="${first}"]`).count()).toBe(1);
  await page.close();
}, 90_000);

/**
 * Holds the next request the page makes to this admin API path: fetched when asked (so its answer is what was true
 * then) and handed to the page only when `release` is called. Later requests to the path go through.
 */
async function holdNext(page: Page, pathname: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held: Promise<void> | undefined;
  await page.route((url) => url.pathname === pathname, async (route) => {
    if (held) return route.continue();
    held = (async () => {
      const response = await route.fetch();
      await released;
      await route.fulfill({ response });
    })();
    return held;
  });
  return {
    asked: () => until(`the page asked for ${pathname}`, async () => held !== undefined, (asked) => asked),
    /** Hands the held answer over and waits until the page has read it. */
    release: async () => {
      const read = page.waitForEvent('requestfinished', (r) => new URL(r.url()).pathname === pathname);
      release();
      await held;
      await read;
      await pageHadAMoment(page);
    },
  };
}

/**
 * After an answer reached the page, its script shows it within a moment, if it would (a slow page could only make a
 * check after this pass wrongly, never fail).
 */
const pageHadAMoment = (page: Page) => page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));

it('the message dialog shows what was asked last, and a live redraw never reopens it once closed', async () => {
  const doc = statusUpdate();
  const delivered = (await t.send({ doc: { ...doc, status: 4, statusTime: '2026-11-24T08:00:00+07:00' } })).body.messageId as string;
  await t.waitForState(delivered, ['delivered']);
  const dead = await makeDeadLetter(t, 409, { ...doc, status: 5, statusTime: '2026-11-24T09:00:00+07:00' });
  const page = await signIn(1366);
  const view = page.locator('[data-testid=message-view]');
  const title = () => page.textContent('[data-testid=message-title]');
  const openFromDialog = (messageId: string) => view.locator(`[data-testid=message-timeline] tr[data-message-id="${messageId}"]`).click();
  await page.locator(`[data-testid=dead-letter][data-message-id="${dead}"] [data-testid=open-message]`).click();
  await expect.poll(title).toContain(dead.slice(0, 8));

  // A live update redraws the open dialog; before its answer comes, the reader opens the dossier's other message.
  const redraw = await holdNext(page, `/admin/api/messages/${dead}`);
  await makeDeadLetter(t, 409);
  await redraw.asked();
  await openFromDialog(delivered);
  await expect.poll(title).toContain(delivered.slice(0, 8));
  await redraw.release();
  expect(await title()).toContain(delivered.slice(0, 8));
  expect(await view.locator('[data-testid=message-state]').textContent()).toBe('đã gửi');

  // The other way round: the reader opens the first message again, a live update comes before its answer, and the
  // redraw is answered first. The dialog still ends on what the reader opened.
  const opening = await holdNext(page, `/admin/api/messages/${dead}`);
  await openFromDialog(dead);
  await opening.asked();
  const redrawn = page.waitForEvent('requestfinished', (r) => new URL(r.url()).pathname.startsWith('/admin/api/messages/'));
  await makeDeadLetter(t, 409);
  await redrawn;
  await pageHadAMoment(page);
  await opening.release();
  await expect.poll(title).toContain(dead.slice(0, 8));
  expect(await view.locator('[data-testid=message-state]').textContent()).toBe('thư chết');

  // Another redraw, and the reader closes the dialog before its answer comes: it stays closed.
  const late = await holdNext(page, `/admin/api/messages/${dead}`);
  await makeDeadLetter(t, 409);
  await late.asked();
  await page.keyboard.press('Escape');
  await expect.poll(() => view.isVisible()).toBe(false);
  await late.release();
  expect(await view.isVisible()).toBe(false);
  await page.close();
}, 90_000);

it('a dossier looked up while a live update redraws the one shown before stays the one shown', async () => {
  const [oldDoc, newDoc] = [statusUpdate(), statusUpdate()];
  const oldMessage = (await t.send({ doc: oldDoc })).body.messageId as string;
  const newMessage = (await t.send({ doc: newDoc })).body.messageId as string;
  await Promise.all([t.waitForState(oldMessage, ['delivered']), t.waitForState(newMessage, ['delivered'])]);
  const page = await signIn(1366);
  const rows = page.locator('[data-testid=timeline] [data-testid=timeline-row]');
  const shown = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-message-id')));
  const lookUp = async (code: string) => {
    await page.fill('#dossier', code);
    await page.click('#timeline-form button[type=submit]');
  };
  await lookUp(oldDoc.dossierCode as string);
  await expect.poll(shown).toEqual([oldMessage]);

  // The reader looks up another dossier; a live update comes before its answer, and is answered first.
  const search = await holdNext(page, `/admin/api/dossiers/${encodeURIComponent(newDoc.dossierCode as string)}/timeline`);
  await lookUp(newDoc.dossierCode as string);
  await search.asked();
  const redrawn = page.waitForEvent('requestfinished', (r) => new URL(r.url()).pathname.endsWith('/timeline'));
  await makeDeadLetter(t, 409);
  await redrawn;
  await search.release();
  await expect.poll(shown).toEqual([newMessage]);
  await page.close();
}, 90_000);

it('a message opens from its row, by mouse or keyboard: every attempt, the signer, the redacted envelope, its dossier; states follow the language', async () => {
  const doc = statusUpdate();
  const messageId = await makeDeadLetter(t, 400, doc);
  const page = await signIn(1024);
  const row = page.locator(`[data-testid=dead-letter][data-message-id="${messageId}"]`);
  await row.waitFor();
  // The message's type, not its UUID, names it.
  expect(await row.locator('[data-testid=open-message]').textContent()).toBe('Cập nhật trạng thái hồ sơ');

  await row.locator('[data-testid=open-message]').click();
  const view = page.locator('[data-testid=message-view]');
  await view.locator('[data-testid=attempt]').first().waitFor();
  const status = await t.status(messageId);
  expect(await view.locator('[data-testid=attempt]').count()).toBe(status.history.length);
  const last = view.locator('[data-testid=attempt]').last();
  expect(await last.getAttribute('data-outcome')).toBe('permanent');
  expect(await last.textContent()).toContain('lỗi vĩnh viễn');
  expect(await last.textContent()).toContain('400');
  expect(await view.locator('[data-testid=message-state]').textContent()).toBe('thư chết');
  expect(await view.locator('[data-testid=message-signer]').textContent()).toContain('CN=');
  const envelope = await view.locator('[data-testid=envelope]').textContent();
  expect(envelope).toContain(doc.dossierCode as string);
  expect(envelope).not.toContain('079188004321');
  expect(envelope).not.toContain('Trần Thị Bích Ngọc');
  expect(await view.locator(`[data-testid=message-timeline] tr[data-message-id="${messageId}"]`).getAttribute('data-state')).toBe('dead');
  await picture(page, 'message-1024-vi');
  await page.keyboard.press('Escape');
  await expect.poll(() => view.isVisible()).toBe(false);

  // The keyboard way: Tab reaches the row, Enter opens it; focus is visible.
  await row.focus();
  expect(await row.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await view.locator('[data-testid=attempt]').first().waitFor();

  // English: the states, outcomes and type change with the labels.
  await page.click('[data-testid=message-close]');
  await page.click('[data-testid=language]');
  await expect.poll(() => row.locator('[data-testid=open-message]').textContent()).toBe('Dossier status update');
  expect(await page.textContent('[data-testid=live]')).toMatch(/^Live · updated /);
  expect(await page.locator('[data-testid=dead-letter-group] h3', { hasText: 'HTTP 400' }).textContent()).toContain('national-portal · Permanent error · HTTP 400 — 2');
  await row.locator('[data-testid=open-message]').click();
  await expect.poll(() => view.locator('[data-testid=message-state]').textContent()).toBe('dead');
  expect(await view.locator('[data-testid=attempt]').last().textContent()).toContain('permanent failure');
  await picture(page, 'message-1024-en');
  await page.keyboard.press('Escape');
  await picture(page, 'overview-1024-en');
  expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
  await page.close();

  // A viewer sees the same page without the actions it may not take, and is told so.
  const viewer = await browser.newPage({ viewport: { width: 1024, height: 800 } });
  await viewer.goto(`${t.url}/admin`);
  await viewer.fill('[data-testid=token]', adminTokens.viewer);
  await viewer.click('#login button[type=submit]');
  await viewer.locator('[data-testid=read-only]').waitFor();
  expect(await viewer.textContent('[data-testid=read-only]')).toBe('Chỉ xem (không có quyền thao tác)');
  const seen = viewer.locator(`[data-testid=dead-letter][data-message-id="${messageId}"]`);
  await seen.waitFor();
  expect(await seen.locator('[data-testid=retry]').isVisible()).toBe(false);
  expect(await viewer.locator('[data-testid=pause]').first().isVisible()).toBe(false);
  await seen.locator('[data-testid=open-message]').click();
  await viewer.locator('[data-testid=message-view] [data-testid=attempt]').first().waitFor();
  await viewer.close();
}, 90_000);
