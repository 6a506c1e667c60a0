import { afterAll, beforeAll, expect, it } from 'vitest';
import { runGatewayctl } from '../helpers/gatewayctl.ts';
import { adminConfig, adminTokens } from '../helpers/test-gateway.ts';
import { startPaymentTestGateway, type PaymentTestGateway } from '../helpers/payment-gateway.ts';

let t: PaymentTestGateway;
beforeAll(async () => {
  t = await startPaymentTestGateway({ overrides: { admins: adminConfig } });
});
afterAll(async () => {
  await t?.close();
});

const gatewayctl = (token: string, ...args: string[]) => runGatewayctl(t.url, token, ...args);

async function payment(outcome: 'paid' | 'suspect') {
  const created = await t.createPayment();
  await t.pay(created.body.paymentUrl, { outcome });
  return created.body.paymentId as string;
}

it('gatewayctl lists payments under review and resolves one; a viewer cannot', async () => {
  const flagged = await payment('suspect');
  const list = await gatewayctl(adminTokens.viewer, 'payments', 'list', '--status', 'needs-review');
  expect(list.code).toBe(0);
  expect(list.out).toMatch(new RegExp(`${flagged}.*suspect.*vnp_ResponseCode=07`));

  const denied = await gatewayctl(adminTokens.viewer, 'payments', 'review', flagged, '--outcome', 'paid', '--reason', 'looks fine');
  expect(denied).toMatchObject({ code: 4, out: expect.stringContaining('ROLE_FORBIDDEN') });
  const noOutcome = await gatewayctl(adminTokens.operator, 'payments', 'review', flagged, '--reason', 'looks fine');
  expect(noOutcome).toMatchObject({ code: 2, out: expect.stringContaining('--outcome paid|failed') });
  const resolved = await gatewayctl(adminTokens.operator, 'payments', 'review', flagged, '--outcome', 'paid', '--reason', 'confirmed in merchant admin');
  expect(resolved).toMatchObject({ code: 0, out: expect.stringContaining('resolved as paid') });
  expect((await t.payment(flagged)).status).toBe('paid');
});

it('gatewayctl refunds part of a payment, shows it, and exits 1 when the bank refuses', async () => {
  const paymentId = await payment('paid');
  const part = await gatewayctl(adminTokens.operator, 'payments', 'refund', paymentId, '--amount', '50000', '--reason', 'Phí thẩm định thu thừa');
  expect(part).toMatchObject({ code: 0, out: expect.stringContaining('refunded 50000 VND') });
  const shown = await gatewayctl(adminTokens.viewer, 'payments', 'show', paymentId);
  expect(shown.out).toContain('refunded 50000');
  expect(shown.out).toMatch(/partial\s+50000\s+refunded\s+00/);

  await t.refundFaults({ refuseNext: '94' });
  const refused = await gatewayctl(adminTokens.operator, 'payments', 'refund', paymentId, '--reason', 'the rest');
  expect(refused).toMatchObject({ code: 1, out: expect.stringContaining('REFUND_REFUSED') });
  expect(refused.out).toContain('94');
  expect(await gatewayctl(adminTokens.operator, 'payments', 'refund', paymentId, '--amount', '12.5', '--reason', 'bad')).toMatchObject({ code: 2, out: expect.stringContaining('--amount') });
  expect(await gatewayctl(adminTokens.operator, 'payments', 'refund', paymentId)).toMatchObject({ code: 2, out: expect.stringContaining('--reason') });
  expect((await t.payment(paymentId)).refundedAmount).toBe(50_000);
});
