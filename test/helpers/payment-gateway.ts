import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { CreateTransactionRequest } from '../../connectors/bank-paygov/mapping.ts';
import { buildPaygovSimulator, type PaygovCallbackExchange, type PaygovPayInstruction } from '../../connectors/bank-paygov/simulator.ts';
import { deepMerge } from '../../src/config/load-config.ts';
import { buildVnpaySimulator, type IpnExchange, type PayInstruction, type RefundFaults } from '../../connectors/bank-vnpay/simulator.ts';
import type { ReceivedRefund } from '../../connectors/bank-vnpay/refund-simulator.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { agencyCode, bankOptions, ProvincialSimulator, startTestGateway, type TestGateway, type TestGatewayOptions } from './test-gateway.ts';

/** A test gateway with the province's simulator and a VNPAY-style bank simulator that calls it back. */
export interface PaymentTestGateway extends TestGateway {
  provincial: ProvincialSimulator;
  bankUrl: string;
  createPayment(doc?: Record<string, unknown>): Promise<{ statusCode: number; body: any }>;
  payment(paymentId: string): Promise<any>;
  /** Opens the pay URL as the citizen's browser would (the bank learns the order), then pays per the instruction. */
  pay(paymentUrl: string, instruction?: Omit<PayInstruction, 'txnRef'>): Promise<{ sent: IpnExchange[] }>;
  bankState(): Promise<{ ipn: IpnExchange[]; refunds: ReceivedRefund[] }>;
  /** Faults for the bank's next refund request. */
  refundFaults(faults: RefundFaults): Promise<void>;
}

let sequence = 0;
export function paymentRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    dossierCode: `${agencyCode}-PAY-${process.pid}${sequence}${randomBytes(2).toString('hex')}`,
    agencyCode,
    provider: 'vnpay',
    fees: [
      { code: 'LP01', name: 'Lệ phí cấp giấy phép xây dựng', amount: 150_000 },
      { code: 'PHI02', name: 'Phí thẩm định', amount: 50_000 },
    ],
    totalAmount: 200_000,
    returnUrl: 'https://motcua.example.gov.vn/thanh-toan/ket-qua',
    ...overrides,
  };
}

/** POST /v1/payments as the test partner, signed. */
export async function createPaymentAt(t: TestGateway, doc: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${t.url}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, t.pki.defaultSigner) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}

export const paymentAt = async (t: TestGateway, paymentId: string) => (await request(`${t.url}/v1/payments/${paymentId}`, { headers: { authorization: `Bearer ${t.apiKey}` } })).body.json() as Promise<any>;

export async function startPaymentTestGateway(options: TestGatewayOptions = {}): Promise<PaymentTestGateway> {
  const provincial = await ProvincialSimulator.start();
  const bank: FastifyInstance = buildVnpaySimulator(bankOptions);
  const bankUrl = await bank.listen({ host: '127.0.0.1', port: 0 });
  const t = await startTestGateway({ ...options, provincialUrl: provincial.url, bankUrl });
  await request(`${bankUrl}/_sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callbackUrl: `${t.url}/v1/payments/callbacks/vnpay` }) });

  return {
    ...t,
    provincial,
    bankUrl,
    createPayment: (doc = paymentRequest()) => createPaymentAt(t, doc),
    payment: (paymentId) => paymentAt(t, paymentId),
    pay: async (paymentUrl, instruction = {}) => {
      const page = await request(paymentUrl);
      await page.body.text();
      if (page.statusCode !== 200) throw new Error(`bank refused the pay URL: HTTP ${page.statusCode}`);
      const txnRef = new URL(paymentUrl).searchParams.get('vnp_TxnRef')!;
      const res = await request(`${bankUrl}/_sim/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ txnRef, ...instruction }) });
      return (await res.body.json()) as { sent: IpnExchange[] };
    },
    bankState: async () => (await request(`${bankUrl}/_sim/state`)).body.json() as Promise<{ ipn: IpnExchange[]; refunds: ReceivedRefund[] }>,
    refundFaults: async (faults) => {
      await (await request(`${bankUrl}/_sim/refund-faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) })).body.text();
    },
    close: async () => {
      await t.close();
      await provincial.close();
      await bank.close();
    },
  };
}

/** Credentials of the national payment platform in paygov test gateways and the platform simulator. */
export const paygovOptions = {
  clientId: 'TEST-CLIENT-01',
  hashKey1: 'test-paygov-hash-key-1-0123',
  hashKey2: 'test-paygov-hash-key-2-4567',
  maDonVi: agencyCode,
  tenDonVi: 'UBND tỉnh H22',
  bankInfo: { default: { accountNumber: '1234567890123', bankCode: 'TESTBANK', accountName: 'Kho bac Nha nuoc H22' } },
};

/** A test gateway whose "paygov" provider is the national payment platform simulator (HMAC-SHA256 checksums). */
export interface PaygovTestGateway extends TestGateway {
  provincial: ProvincialSimulator;
  platformUrl: string;
  createPayment(doc?: Record<string, unknown>): Promise<{ statusCode: number; body: any }>;
  payment(paymentId: string): Promise<any>;
  pay(instruction: PaygovPayInstruction): Promise<{ sent: PaygovCallbackExchange[] }>;
  platformFaults(faults: Record<string, unknown>): Promise<void>;
  /** What the platform simulator holds: the create requests it received, and every callback it sent with its reply. */
  platformState(): Promise<{ transactions: Record<string, { request: CreateTransactionRequest; state: string; transactionCode: string }>; callbacks: PaygovCallbackExchange[] }>;
}

export async function startPaygovTestGateway(options: TestGatewayOptions = {}): Promise<PaygovTestGateway> {
  const provincial = await ProvincialSimulator.start();
  const platform = buildPaygovSimulator(paygovOptions);
  const platformUrl = await platform.listen({ host: '127.0.0.1', port: 0 });
  const paygov = { connector: 'bank-paygov', baseUrl: platformUrl, options: paygovOptions, timeoutMs: 2000, paymentTtlMs: 60_000 };
  const t = await startTestGateway({
    ...options,
    provincialUrl: provincial.url,
    overrides: deepMerge({ payments: { providers: { paygov } } }, options.overrides ?? {}),
  });
  const post = async (url: string, json: unknown) =>
    (await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })).body.json() as Promise<any>;
  // The platform calls back where the province registered with it (out of band, not in the create request).
  await post(`${platformUrl}/_sim/config`, { callbackUrl: `${t.url}/v1/payments/callbacks/paygov` });
  return {
    ...t,
    provincial,
    platformUrl,
    createPayment: (doc = paymentRequest({ provider: 'paygov' })) => createPaymentAt(t, doc),
    payment: (paymentId) => paymentAt(t, paymentId),
    pay: (instruction) => post(`${platformUrl}/_sim/pay`, instruction),
    platformFaults: async (faults) => {
      await post(`${platformUrl}/_sim/faults`, faults);
    },
    platformState: async () => (await request(`${platformUrl}/_sim/state`)).body.json() as Promise<any>,
    close: async () => {
      await t.close();
      await provincial.close();
      await platform.close();
    },
  };
}
