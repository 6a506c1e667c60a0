import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminConfig, adminTokens, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(() => t.close());

const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

it('serves bull-board read-only at /admin/queues, to admin tokens only', async () => {
  const anonymous = await request(`${t.url}/admin/queues`);
  expect(anonymous.statusCode).toBe(401);
  expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="gateway admin"/);
  await anonymous.body.dump();
  const partner = await request(`${t.url}/admin/queues`, { headers: { authorization: basic(t.apiKey) } });
  expect(partner.statusCode).toBe(401);
  await partner.body.dump();

  const page = await request(`${t.url}/admin/queues`, { headers: { authorization: basic(adminTokens.viewer) } });
  expect(page.statusCode).toBe(200);
  expect(await page.body.text()).toContain('<div id="root">');

  const res = await t.send();
  await t.waitForState(res.body.messageId, ['delivered']);
  const api = await request(`${t.url}/admin/queues/api/queues?activeQueue=deliver-national-portal&status=completed&page=1&jobsPerPage=10`, {
    headers: { authorization: basic(adminTokens.viewer) },
  });
  const body = (await api.body.json()) as { queues: Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number> }> };
  expect(body.queues).toEqual([
    expect.objectContaining({ name: 'deliver-national-portal', readOnlyMode: true }),
    expect.objectContaining({ name: 'deliver-provincial-system', readOnlyMode: true }),
    expect.objectContaining({ name: 'deliver-vnpost', readOnlyMode: true }),
  ]);
  expect(body.queues[0]!.counts.completed).toBeGreaterThanOrEqual(1);
});
