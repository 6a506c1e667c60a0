import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/gateway.ts';
import { vnDayOf } from '../../src/connectors/vietnam-time.ts';
import { adminCall, adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { paymentRequest, startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

const run = promisify(execFile);
let t: PaymentTestGateway;
const paid: Array<{ paymentId: string; transactionNo: string; dossierCode: string }> = [];
const today = vnDayOf(new Date().toISOString());

beforeAll(async () => {
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig } });
  for (let i = 0; i < 3; i++) {
    const doc = paymentRequest();
    const created = await t.createPayment(doc);
    const { sent } = await t.pay(created.body.paymentUrl);
    paid.push({ paymentId: created.body.paymentId, transactionNo: sent[0]!.params.vnp_TransactionNo!, dossierCode: doc.dossierCode as string });
  }
});
afterAll(async () => {
  await t?.close();
});

function settlementFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'settlement-')), `vnpay-${today}.csv`);
  writeFileSync(file, ['transaction_no,order_id,amount,currency,paid_at,status', ...lines].join('\n') + '\n');
  return file;
}

const reconcileCli = (file: string) =>
  run(process.execPath, ['bin/gatewayctl.mjs', 'reconcile', '--date', today, '--file', file, '--provider', 'vnpay'], {
    cwd: projectRoot,
    env: { ...process.env, GATEWAY_URL: t.url, GATEWAY_ADMIN_TOKEN: adminTokens.viewer },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

describe('reconciliation with a bank settlement file', () => {
  it('reports matched, missing on either side and amount differences, and exits 1', async () => {
    const [a, b] = paid;
    const file = settlementFile([
      `${a!.transactionNo},${a!.paymentId},200000,VND,${today}T10:00:00+07:00,SUCCESS`,
      `${b!.transactionNo},${b!.paymentId},190000,VND,${today}T10:01:00+07:00,SUCCESS`,
      `99990001,NOSUCHORDER0001,50000,VND,${today}T10:02:00+07:00,SUCCESS`,
      `99990002,ANOTHERFAILED01,50000,VND,${today}T10:03:00+07:00,FAILED`,
    ]);
    const { code, stdout } = await reconcileCli(file);
    expect(code).toBe(1);
    expect(stdout).toContain(`${today} vnpay: matched 1, missing in gateway 1, missing at bank 1, mismatches 1`);
    expect(stdout).toMatch(new RegExp(`amount differs\\s*│?\\s*${b!.paymentId}.*bank 190000 / gateway 200000`));
    expect(stdout).toMatch(/missing in gateway\s*│?\s*NOSUCHORDER0001.*gateway: unknown/);
    expect(stdout).toMatch(new RegExp(`missing at bank\\s*│?\\s*${paid[2]!.paymentId}`));
    expect(stdout).not.toContain('ANOTHERFAILED01'); // not a settlement
  });

  it('exits 0 when every line matches, and the admin API gives the same report', async () => {
    const lines = paid.map((p) => `${p.transactionNo},${p.paymentId},200000,VND,${today}T10:00:00+07:00,SUCCESS`);
    const { code, stdout } = await reconcileCli(settlementFile(lines));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`${today} vnpay: matched 3, missing in gateway 0, missing at bank 0, mismatches 0`);
    const csv = ['order_id,transaction_no,amount,currency,paid_at', ...paid.map((p) => `${p.paymentId},${p.transactionNo},200000,VND,${today}`)].join('\r\n');
    expect((await adminCall(t, adminTokens.viewer, 'POST', '/payments/reconcile', { date: today, csv })).body).toMatchObject({ matched: 3, ok: true });
  });

  it('names the line of a malformed settlement file', async () => {
    const res = await adminCall(t, adminTokens.viewer, 'POST', '/payments/reconcile', { date: today, csv: 'transaction_no,order_id,amount,currency,paid_at\n1,X,12.5,VND,2026-11-23' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatchObject({ error: 'SCHEMA_INVALID', details: [{ path: 'csv:line 2', message: expect.stringContaining('12.5') }] });
  });
});
