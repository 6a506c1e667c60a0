import { afterAll, beforeAll, expect, it } from 'vitest';
import { runGatewayctl } from '../helpers/gatewayctl.ts';
import { adminConfig, adminTokens, makeDeadLetter, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(() => t.close());

const gatewayctl = (token: string, ...args: string[]) => runGatewayctl(t.url, token, ...args);

it('gatewayctl lists, traces and retries a dead letter, and a viewer cannot retry', async () => {
  const doc = statusUpdate();
  const messageId = await makeDeadLetter(t, 400, doc);

  const list = await gatewayctl(adminTokens.viewer, 'dlq', 'list', '--error-code', 'PERMANENT');
  expect(list.code).toBe(0);
  expect(list.out.split('\n')[0]).toMatch(/^messageId\s+destination\s+partner\s+dossier\s+error\s+http/);
  expect(list.out).toMatch(new RegExp(`${messageId}\\s+national-portal\\s+province-a\\s+\\S+\\s+PERMANENT\\s+400`));

  const trace = await gatewayctl(adminTokens.viewer, 'trace', doc.dossierCode as string);
  expect(trace.out).toMatch(new RegExp(`${messageId}\\s+dossier.status.v1\\s+national-portal\\s+dead`));

  const refused = await gatewayctl(adminTokens.viewer, 'dlq', 'retry', messageId, '--reason', 'viewer tries');
  expect(refused).toMatchObject({ code: 2, out: expect.stringContaining('403 ROLE_FORBIDDEN') });

  const retried = await gatewayctl(adminTokens.operator, 'dlq', 'retry', messageId, '--reason', 'portal accepts it now');
  expect(retried).toEqual({ code: 0, out: 'retried 1\n' });
  await t.waitForState(messageId, ['delivered']);
  const queues = await gatewayctl(adminTokens.viewer, 'queues');
  expect(queues.out).toMatch(/national-portal\s+no\s+0\s+0\s+0\s+0\s+-\s+1/);
});
