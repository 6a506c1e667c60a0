/**
 * Citizens file dossiers online at the (simulated) national portal; the gateway's poller picks them up, checks their
 * attachments' hashes and hands them to the province, and the portal gets a receipt.
 * Usage: npm run sample:submission [-- --count 3] [-- --bad-hash]
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { getJson, loadSandboxInfo } from './sandbox-client.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '2' }, 'bad-hash': { type: 'boolean', default: false } } });
const info = loadSandboxInfo();
const portal = info.simulators['national-portal']!;
const res = await request(`${portal}/_sim/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: Number(values.count), agencyCode: info.agencyCode, badHash: values['bad-hash'] }) });
const { added } = (await res.body.json()) as { added: string[] };
console.log('Filed online at the portal:', added);
console.log('Waiting for the gateway to poll (every 5 s) …');
for (let i = 0; i < 40; i++) {
  await new Promise((r) => setTimeout(r, 500));
  const receipts = (await getJson(`${portal}/_sim/received`)).effects.filter((e: any) => e.service === 'XacNhanNhanHoSo' && added.includes(e.payload.data[0].MaHoSo));
  if (receipts.length === added.length) {
    const province = (await getJson(`${info.simulators['provincial-system']}/_sim/received`)).effects.filter((e: any) => added.includes(e.event.dossierCode));
    console.log('Province received:', province.map((e: any) => `${e.event.type} ${e.event.dossierCode} (${e.event.data.attachments.length} attachment)`));
    console.log('Portal got receipts:', receipts.map((e: any) => e.payload.data[0]));
    break;
  }
}
