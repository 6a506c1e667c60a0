/**
 * A fee payment end to end in the sandbox: the province asks for a payment, the citizen "pays" at the simulated
 * bank, the bank's signed IPN reaches the gateway, and the result reaches the province and the national portal.
 * Usage: npm run sample:payment [-- --provider paygov] [-- --fault F]
 *   vnpay faults: wrong-amount|duplicate|bad-signature|unknown-order|no-ipn|delayed
 *   paygov faults: wrong-amount|duplicate|bad-checksum|unknown-transaction|no-callback|delayed
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { getJson, loadSandboxInfo, signedPost } from './sandbox-client.ts';

const { values } = parseArgs({ options: { provider: { type: 'string', default: 'vnpay' }, fault: { type: 'string' } } });
const info = loadSandboxInfo();
const dossierCode = `${info.agencyCode}-PAY-${String(Date.now()).slice(-6)}`;
const doc = {
  dossierCode,
  agencyCode: info.agencyCode,
  provider: values.provider,
  fees: [
    { code: 'LP01', name: 'Lệ phí cấp giấy phép xây dựng', amount: 150000 },
    { code: 'PHI02', name: 'Phí thẩm định hồ sơ', amount: 50000 },
  ],
  totalAmount: 200000,
  returnUrl: 'https://motcua.example.gov.vn/thanh-toan/ket-qua',
};
console.log(`POST ${info.gatewayUrl}/v1/payments  (${values.provider}, dossier ${dossierCode}, 200,000 VND)`);
const created = await signedPost(info, '/v1/payments', Buffer.from(JSON.stringify(doc)));
console.log(`→ HTTP ${created.statusCode}`, created.body);
if (created.statusCode !== 201) process.exit(1);

const bank = info.simulators[values.provider!]!;
const fault = values.fault ? { fault: values.fault } : {};
let paid;
if (values.provider === 'vnpay') {
  await (await request(created.body.paymentUrl)).body.text(); // the citizen opens the pay page
  const txnRef = new URL(created.body.paymentUrl).searchParams.get('vnp_TxnRef');
  paid = await (await request(`${bank}/_sim/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ txnRef, ...fault }) })).body.json();
} else {
  await (await request(created.body.paymentUrl)).body.text(); // the citizen opens the platform's pay page
  const transactionId = created.body.paymentId; // the platform's transaction_id is the payment id
  paid = await (await request(`${bank}/_sim/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transactionId, ...fault }) })).body.json();
}
console.log('The citizen paid; the bank called the gateway back and got:', JSON.stringify((paid as any).sent?.map((s: any) => s.reply)));

await new Promise((r) => setTimeout(r, 1500));
console.log(`GET /v1/payments/${created.body.paymentId} →`, await getJson(`${info.gatewayUrl}/v1/payments/${created.body.paymentId}`, { authorization: `Bearer ${info.apiKey}` }));
const province = await getJson(`${info.simulators['provincial-system']}/_sim/received`);
console.log('Province received:', JSON.stringify(province.effects.filter((e: any) => e.event.dossierCode === dossierCode).map((e: any) => e.event), null, 2));
const portal = await getJson(`${info.simulators['national-portal']}/_sim/received`);
console.log('National portal received:', JSON.stringify(portal.effects.filter((e: any) => e.payload.data[0]?.MaHoSo === dossierCode).map((e: any) => e.payload), null, 2));
