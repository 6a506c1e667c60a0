import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runGatewayctl } from '../helpers/gatewayctl.ts';
import { adminCall, adminConfig, adminTokens, makeDeadLetter, startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(() => t.close());

const gatewayctl = (token: string, ...args: Array<string | { input: string }>) => runGatewayctl(t.url, token, ...args);

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
  expect(refused).toMatchObject({ code: 4, out: expect.stringContaining('403 ROLE_FORBIDDEN') });

  const retried = await gatewayctl(adminTokens.operator, 'dlq', 'retry', messageId, '--reason', 'portal accepts it now');
  expect(retried).toEqual({ code: 0, out: 'retried 1\n' });
  await t.waitForState(messageId, ['delivered']);
  const queues = await gatewayctl(adminTokens.viewer, 'queues');
  expect(queues.out).toMatch(/national-portal\s+no\s+0\s+0\s+0\s+0\s+-\s+1/);
});

it('"retry the group" of one HTTP status retries that group only: the API filter and gatewayctl, counted, confirmed, audited', async () => {
  const group422 = [await makeDeadLetter(t, 422), await makeDeadLetter(t, 422)];
  const other400 = await makeDeadLetter(t, 400);

  // The API groups by destination, error code and HTTP status, and gives each group the filter that selects it.
  const groups = await gatewayctl(adminTokens.viewer, 'dlq', 'groups', '--json');
  expect(groups.code).toBe(0);
  const byStatus = Object.fromEntries(JSON.parse(groups.out).map((g: any) => [g.statusCode, g]));
  expect(byStatus[422]).toMatchObject({ destination: 'national-portal', errorCode: 'PERMANENT', count: 2, filter: { destination: 'national-portal', errorCode: 'PERMANENT', statusCode: 422 } });
  expect(byStatus[400]).toMatchObject({ count: 1, filter: { statusCode: 400 } });
  const dryRunApi = await adminCall(t, adminTokens.viewer, 'POST', '/dead-letters/retry', { ...byStatus[400].filter, reason: 'count only', dryRun: true });
  expect(dryRunApi.body).toEqual({ matched: 1, retried: 0, dryRun: true, countedUntil: expect.any(String) });

  const filter = ['--destination', 'national-portal', '--error-code', 'PERMANENT', '--http-status', '422'];
  expect(await gatewayctl(adminTokens.viewer, 'dlq', 'retry', ...filter, '--dry-run')).toEqual({ code: 0, out: 'would retry 2 dead letters (destination=national-portal errorCode=PERMANENT statusCode=422)\n' });
  // Asked, the operator says no (and a closed stdin is a no): nothing moves.
  const declined = await gatewayctl(adminTokens.operator, 'dlq', 'retry', ...filter, '--reason', 'portal fixed 422', { input: 'n\n' });
  expect(declined.code).toBe(1);
  expect(declined.out).toContain('Retry 2 dead letters (destination=national-portal errorCode=PERMANENT statusCode=422)? [y/N]');
  expect(declined.out).toContain('not confirmed: nothing retried');
  expect((await gatewayctl(adminTokens.operator, 'dlq', 'retry', ...filter, '--reason', 'portal fixed 422')).code).toBe(1);
  expect(JSON.parse((await gatewayctl(adminTokens.viewer, 'dlq', 'list', '--json')).out)).toHaveLength(3);

  const confirmed = await gatewayctl(adminTokens.operator, 'dlq', 'retry', ...filter, '--reason', 'portal fixed 422', { input: 'y\n' });
  expect(confirmed).toMatchObject({ code: 0, out: 'retried 2 of 2 dead letters\n' });
  for (const id of group422) await t.waitForState(id, ['delivered']);
  // The other group had its chance (the retried ones are delivered) and is still dead.
  expect((await t.status(other400)).state).toBe('dead');
  const audit = (await adminCall(t, adminTokens.viewer, 'GET', '/audit?limit=1')).body.entries[0];
  expect(audit).toMatchObject({ action: 'bulk-retry', count: 2, reason: 'portal fixed 422' });
  // The retry touched what was counted and confirmed: up to just after the newest counted failure.
  expect(JSON.parse(audit.target)).toEqual({ destination: 'national-portal', errorCode: 'PERMANENT', statusCode: 422, until: expect.any(String) });

  // --yes is for scripts; a bulk retry of nothing says so.
  expect(await gatewayctl(adminTokens.operator, 'dlq', 'retry', '--all', '--http-status', '400', '--yes', '--reason', 'portal fixed 400')).toEqual({ code: 0, out: 'retried 1 of 1 dead letters\n' });
  await t.waitForState(other400, ['delivered']);
  expect(await gatewayctl(adminTokens.operator, 'dlq', 'retry', '--all', '--yes', '--reason', 'nothing left')).toEqual({ code: 0, out: 'no dead letters match (no filter: every dead letter); nothing retried\n' });
});

it('dlq retry <id> --dry-run says whether it would retry, and retries nothing', async () => {
  const messageId = await makeDeadLetter(t, 400);
  expect(await gatewayctl(adminTokens.viewer, 'dlq', 'retry', messageId, '--dry-run')).toEqual({ code: 0, out: `would retry 1 dead letter (${messageId}, national-portal)\n` });
  expect((await t.status(messageId)).state).toBe('dead');
  const audit = (await adminCall(t, adminTokens.viewer, 'GET', '/audit?limit=1')).body.entries[0];
  expect(audit?.target).not.toBe(messageId);
  const delivered = (await t.send()).body.messageId as string;
  await t.waitForState(delivered, ['delivered']);
  expect(await gatewayctl(adminTokens.viewer, 'dlq', 'retry', delivered, '--dry-run')).toMatchObject({ code: 1, out: expect.stringContaining(`${delivered} is not a dead letter (state delivered): nothing would be retried`) });
  await adminCall(t, adminTokens.operator, 'POST', `/dead-letters/${messageId}/discard`, { reason: 'test leaves nothing behind' });
});

it('a bulk retry confirmed after a count leaves the letters that died since the count', async () => {
  const counted = await makeDeadLetter(t, 409);
  const count = await adminCall(t, adminTokens.viewer, 'POST', '/dead-letters/retry', { statusCode: 409, reason: 'count', dryRun: true });
  expect(count.body).toMatchObject({ matched: 1, countedUntil: expect.any(String) });
  const diedSince = await makeDeadLetter(t, 409); // while the operator read the question
  const retried = await adminCall(t, adminTokens.operator, 'POST', '/dead-letters/retry', { statusCode: 409, until: count.body.countedUntil, reason: 'portal fixed 409' });
  expect(retried.body).toEqual({ matched: 1, retried: 1 });
  await t.waitForState(counted, ['delivered']);
  expect((await t.status(diedSince)).state).toBe('dead');
  await adminCall(t, adminTokens.operator, 'POST', `/dead-letters/${diedSince}/discard`, { reason: 'test leaves nothing behind' });
});

it('message show: state, every attempt, the envelope with personal data redacted; --json for scripts', async () => {
  const doc = statusUpdate();
  const messageId = await makeDeadLetter(t, 400, doc);
  const shown = await gatewayctl(adminTokens.viewer, 'message', 'show', messageId);
  expect(shown.code).toBe(0);
  expect(shown.out).toMatch(/state\s+dead/);
  expect(shown.out).toMatch(/attempt\s+at\s+outcome\s+http/);
  expect(shown.out).toMatch(/\n1\s+\S+\s+permanent\s+400/);
  expect(shown.out).toContain(doc.dossierCode as string);
  expect(shown.out).not.toContain('079188004321');
  expect(shown.out).not.toContain('Trần Thị Bích Ngọc');
  const json = JSON.parse((await gatewayctl(adminTokens.viewer, 'message', 'show', messageId, '--json')).out);
  expect(json).toMatchObject({ messageId, state: 'dead', attempts: 1, history: [{ attempt: 1, outcome: 'permanent', statusCode: 400 }] });
  expect(await gatewayctl(adminTokens.viewer, 'message', 'show', 'no-such-message')).toEqual({ code: 1, out: 'gatewayctl: 404 NOT_FOUND: no message no-such-message\n' });
  await gatewayctl(adminTokens.operator, 'dlq', 'discard', messageId, '--reason', 'test done');
});

it('pause and resume a destination, each in the audit trail; trust reload as SIGHUP does, audited', async () => {
  expect(await gatewayctl(adminTokens.operator, 'pause', 'national-portal', '--reason', 'portal maintenance')).toEqual({ code: 0, out: 'national-portal paused\n' });
  const paused = JSON.parse((await gatewayctl(adminTokens.viewer, 'queues', '--json')).out);
  expect(paused.find((d: any) => d.destination === 'national-portal').paused).toBe(true);
  expect(await gatewayctl(adminTokens.operator, 'resume', 'national-portal', '--reason', 'maintenance over')).toEqual({ code: 0, out: 'national-portal resumed\n' });
  expect((await gatewayctl(adminTokens.operator, 'pause', 'no-such-place', '--reason', 'typo'))).toEqual({ code: 1, out: 'gatewayctl: 404 NOT_FOUND: no destination no-such-place\n' });

  const reload = await gatewayctl(adminTokens.operator, 'trust', 'reload', '--reason', 'new CRL copied');
  expect(reload).toMatchObject({ code: 0, out: expect.stringMatching(/^trust reloaded: 1 roots, \d+ intermediates, \d+ CRLs\n$/) });
  expect((await gatewayctl(adminTokens.viewer, 'trust', 'reload', '--reason', 'viewer tries')).code).toBe(4);

  const audit = JSON.parse((await gatewayctl(adminTokens.viewer, 'audit', '--limit', '3', '--json')).out);
  expect(audit.map((e: any) => [e.action, e.target, e.reason, e.actor])).toEqual([
    ['trust-reload', 'trust store', 'new CRL copied', 'it-operator'],
    ['resume', 'national-portal', 'maintenance over', 'it-operator'],
    ['pause', 'national-portal', 'portal maintenance', 'it-operator'],
  ]);
  const table = await gatewayctl(adminTokens.viewer, 'audit', '--limit', '1');
  expect(table.out).toMatch(/^at\s+actor\s+role\s+action\s+target\s+count\s+reason\n/);
  expect(table.out).toMatch(/it-operator\s+operator\s+trust-reload\s+trust store\s+1\s+new CRL copied/);
});

it('help on every command, usage errors exit 2, an unknown dossier exits 1, an unreachable gateway is one line naming it (exit 3)', async () => {
  const top = await gatewayctl(adminTokens.viewer, '--help');
  expect(top.code).toBe(0);
  const names = [...top.out.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= |$)/gm)].map((m) => m[1]!).filter((n) => !n.startsWith('GATEWAY'));
  expect(names).toEqual(expect.arrayContaining(['queues', 'pause', 'resume', 'audit', 'dlq list', 'dlq groups', 'dlq retry', 'dlq discard', 'message show', 'trace', 'replay', 'trust reload', 'log verify', 'log export', 'reconcile', 'payments list', 'payments show', 'payments review', 'payments refund', 'partner add']));
  expect(top.out).toMatch(/exit codes:\n {2}0 {2}done\n {2}1 {2}failed.*\n {2}2 {2}usage.*\n {2}3 {2}the gateway cannot be reached.*\n {2}4 {2}not allowed/);
  for (let i = 0; i < names.length; i += 5) {
    const batch = names.slice(i, i + 5);
    const helps = await Promise.all(batch.map((name) => gatewayctl(adminTokens.viewer, ...name.split(' '), '--help')));
    helps.forEach((help, j) => {
      expect(help.code, batch[j]).toBe(0);
      expect(help.out, batch[j]).toContain(`usage: gatewayctl ${batch[j]}`);
      expect(help.out, batch[j]).toContain('--json');
    });
  }
  expect((await gatewayctl(adminTokens.viewer, 'help', 'dlq', 'retry')).out).toContain('--dry-run');

  const unknown = await gatewayctl(adminTokens.viewer, 'frobnicate');
  expect(unknown).toEqual({ code: 2, out: 'gatewayctl: unknown command "frobnicate" (gatewayctl --help lists the commands)\n' });
  expect(await gatewayctl(adminTokens.viewer, 'dlq', 'list', '--colour')).toEqual({ code: 2, out: "gatewayctl: Unknown option '--colour' (gatewayctl dlq list --help)\n" });
  expect((await gatewayctl(adminTokens.operator, 'dlq', 'retry')).code).toBe(2);
  expect((await gatewayctl(adminTokens.operator, 'dlq', 'retry', '--all')).out).toContain('--reason');

  expect(await gatewayctl(adminTokens.viewer, 'trace', 'NO-SUCH-DOSSIER')).toEqual({ code: 1, out: 'gatewayctl: no messages about dossier NO-SUCH-DOSSIER (unknown, or older than the retention)\n' });
  expect(await gatewayctl('not-a-token', 'queues')).toEqual({ code: 4, out: 'gatewayctl: 401 AUTH_INVALID: an admin token is required\n' });

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const down = await runGatewayctl(`http://127.0.0.1:${port}`, adminTokens.viewer, 'dlq', 'list');
  expect(down).toEqual({ code: 3, out: `gatewayctl: cannot reach the gateway at http://127.0.0.1:${port}: ECONNREFUSED\n` });
}, 180_000);
