/**
 * A result delivery by the public postal service in the sandbox: the province requests the shipment, the gateway
 * orders it at the VNPost simulator (order/post), the simulator plays its journey (a step every 2 s) and the
 * gateway pulls the tracking feed (every trackingPollIntervalMs) and hands each new state to the province.
 * Usage: npm run sample:postal [-- --kind pickup] [-- --fault outOfOrder|duplicates|reversePages] [-- --cancel]
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { getJson, loadSandboxInfo, signedPost } from './sandbox-client.ts';

const { values } = parseArgs({ options: { kind: { type: 'string', default: 'delivery' }, fault: { type: 'string' }, cancel: { type: 'boolean', default: false } } });
const info = loadSandboxInfo();
const carrier = info.simulators.vnpost!;
await request(`${carrier}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(values.fault ? { [values.fault]: true } : {}) });
const party = (fullName: string) => ({ fullName, phone: '0912345678', address: '12 Trần Hưng Đạo, phường Hồng Gai', provinceCode: '20', districtCode: '2010' });
const dossierCode = `${info.agencyCode}-BC-${String(Date.now()).slice(-6)}`;
const doc = { dossierCode, agencyCode: info.agencyCode, kind: values.kind, citizen: party('Phạm Thị Thu'), office: party('Bộ phận một cửa tỉnh'), codAmount: 0 };
console.log(`POST ${info.gatewayUrl}/v1/postal/shipments  (${values.kind}, dossier ${dossierCode})`);
const accepted = await signedPost(info, '/v1/postal/shipments', Buffer.from(JSON.stringify(doc)));
console.log(`→ HTTP ${accepted.statusCode}`, accepted.body);
if (accepted.statusCode !== 202) process.exit(1);
const shipmentUrl = `${info.gatewayUrl}/v1/postal/shipments/${accepted.body.messageId}`;
const auth = { authorization: `Bearer ${info.apiKey}` };

let last = '';
let cancelled = false;
for (let i = 0; i < 60; i++) {
  const view = await getJson(shipmentUrl, auth);
  if (view.state !== last) console.log(`  ${new Date().toISOString().slice(11, 19)}  ${view.state}${view.orderNumber ? `  order ${view.orderNumber}` : ''}${view.trackingNumber ? `  (${view.trackingNumber})` : ''}`);
  last = view.state;
  if (values.cancel && !cancelled && view.state === 'created') {
    cancelled = true;
    const res = await request(`${shipmentUrl}/cancel`, { method: 'POST', headers: auth });
    console.log(`POST …/cancel → HTTP ${res.statusCode}`, await res.body.json());
  }
  if (['delivered', 'cancelled'].includes(view.state)) break;
  await new Promise((r) => setTimeout(r, 500));
}
await new Promise((r) => setTimeout(r, 1000));
const province = await getJson(`${info.simulators['provincial-system']}/_sim/received`);
console.log('Province received:', province.effects.filter((e: any) => e.event.dossierCode === dossierCode).map((e: any) => `${e.event.type} ${e.event.data.state ?? e.event.data.orderNumber}`));
