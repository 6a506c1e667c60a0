import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxInfo } from '../../src/sandbox/sandbox.ts';
import type { GatewayProcess } from '../../chaos/gateway-process.ts';
import { launchChromium } from '../helpers/browser.ts';
import { runSample as runSampleIn, startSandboxGateway } from '../helpers/run-script.ts';

/**
 * The sandbox as `npm start` runs it, with the README's samples sent through it: a postal shipment, dossiers filed
 * online (one with an attachment whose hash does not match), a citizen check. The dashboard shows each domain.
 */
let gateway: GatewayProcess;
let infoFile: string;
let info: SandboxInfo;
let browser: Browser;
beforeAll(async () => {
  ({ gateway, infoFile } = await startSandboxGateway('dashboard-domains'));
  info = JSON.parse(readFileSync(infoFile, 'utf8')) as SandboxInfo;
  browser = await launchChromium();
}, 40_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.kill('SIGTERM');
});

const runSample = (name: string, args: string[] = []) => runSampleIn(infoFile, name, args, 40_000);

it('shows postal shipments, online submissions (refused first) and citizen checks (counts and outcomes, no personal data)', async () => {
  for (const [name, args] of [['sample-postal', []], ['sample-submission', ['--count', '1']], ['sample-submission', ['--count', '1', '--bad-hash']], ['sample-citizen', []]] as const) {
    const { code, output } = await runSample(name, [...args]);
    expect(code, output).toBe(0);
  }
  const adminUrl = info.adminUrl ?? info.gatewayUrl!;
  const view = async (path: string) => (await (await fetch(`${adminUrl}/admin/api${path}`, { headers: { authorization: `Bearer ${info.adminToken}` } })).json()) as any;
  const shipments = await view('/views/shipments');
  expect(shipments).toMatchObject({ configured: true, complete: true, counts: { delivered: 1 } });
  expect(shipments.shipments[0]).toMatchObject({ kind: 'delivery', state: 'delivered', trackingNumber: expect.any(String) });
  const submissions = await view('/views/submissions');
  expect(submissions.counts).toEqual({ accepted: 1, 'rejected:attachment-hash': 1 });
  expect(submissions.submissions.map((s: any) => s.outcome)).toEqual(['rejected:attachment-hash', 'accepted']);
  const checks = await view('/views/citizen-checks');
  expect(checks).toMatchObject({ configured: true, total: 1, counts: { match: 1 } });
  expect(JSON.stringify(checks)).not.toMatch(/001090012345|Nguyễn Văn An|1990-05-14|hmac:/);

  for (const [width, language] of [[1366, 'vi'], [1366, 'en'], [1024, 'vi'], [1024, 'en']] as const) {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.goto(`${adminUrl}/admin`);
    await page.fill('[data-testid=token]', info.adminToken);
    await page.click('#login button[type=submit]');
    if (language === 'en') await page.click('[data-testid=language]');
    const shipment = page.locator('[data-testid=shipment]');
    await shipment.waitFor();
    expect(await shipment.getAttribute('data-state')).toBe('delivered');
    await expect.poll(() => shipment.textContent()).toContain(language === 'vi' ? 'đã phát' : 'delivered');
    const submissionRows = page.locator('[data-testid=submission]');
    await expect.poll(() => submissionRows.count()).toBe(2);
    expect(await submissionRows.first().getAttribute('data-outcome')).toBe('rejected:attachment-hash');
    await expect.poll(() => submissionRows.first().textContent()).toContain(language === 'vi' ? 'từ chối: tệp đính kèm sai mã băm' : 'refused: attachment hash mismatch');
    const check = page.locator('[data-testid=citizen-check]');
    await check.waitFor();
    await expect.poll(() => check.textContent()).toContain(language === 'vi' ? 'khớp 1' : 'match 1');
    const text = await page.textContent('body');
    expect(text).not.toMatch(/001090012345|Nguyễn Văn An|1990-05-14/);
    // A shipment row opens its request's message view.
    await shipment.click();
    await page.locator('[data-testid=message-view] [data-testid=attempt]').first().waitFor();
    expect(await page.textContent('[data-testid=message-title]')).toContain(language === 'vi' ? 'Yêu cầu bưu gửi' : 'Shipment request');
    await page.keyboard.press('Escape');
    expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    if (process.env.DASHBOARD_SCREENSHOTS) await page.screenshot({ path: `${process.env.DASHBOARD_SCREENSHOTS}/domains-${width}-${language}.png`, fullPage: true });
    await page.close();
  }
}, 180_000);
