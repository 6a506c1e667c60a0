/**
 * Sends one signed dossier status update to a sandbox gateway started with `npm start`, follows it until the
 * national-portal simulator has it, and prints each step. Usage: npm run sample:status [-- --xml] [-- --v2]
 * (--v2: a dossier.status.v2 message with what the portal's DongBoHoSoMC and CapNhatTienDoHoSoMC carry).
 */
import { request } from 'undici';
import { loadSandboxInfo, signedPost } from './sandbox-client.ts';

const info = loadSandboxInfo();
const asXml = process.argv.includes('--xml');
const v2 = process.argv.includes('--v2');
const now = new Date();
const dossierCode = `${info.agencyCode}-${now.toISOString().slice(2, 10).replace(/-/g, '')}-${String(now.getTime()).slice(-4)}`;
const update = {
  dossierCode,
  procedureCode: '1.001612.000.00.00.H22',
  agencyCode: info.agencyCode,
  status: 4,
  statusTime: new Date(now.getTime() + 7 * 3600_000).toISOString().replace('Z', '+07:00'),
  channel: 'online',
  ...(v2
    ? {
        agencyName: 'UBND phường Bến Nghé',
        receivedAt: new Date(now.getTime() - 3 * 86_400_000).toISOString(),
        dueDate: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
        summary: 'Cấp giấy phép xây dựng nhà ở riêng lẻ',
        applicant: { fullName: 'Nguyễn Văn Mẫu', kind: 'citizen', personalId: '001099012345', phone: '0912345678' },
        handling: { handlerName: 'Lê Văn Tâm', handlerTitle: 'Chuyên viên', department: 'Phòng Quản lý đô thị', note: 'Chuyển phòng chuyên môn thẩm định' },
        fees: [{ code: 'LP-XD', name: 'Lệ phí cấp giấy phép xây dựng', amount: 75000 }],
      }
    : { note: 'Chuyển phòng chuyên môn thẩm định', applicant: { fullName: 'Nguyễn Văn Mẫu', personalId: '001099012345' } }),
};
/** The message as XML: nested objects as elements, lists as `<fees><fee>…</fee></fees>` (the v2 schema's list items). */
const listItems: Record<string, string> = { fees: 'fee', submittedDocuments: 'document', resultDocuments: 'document' };
const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
const toXml = (name: string, value: unknown): string => {
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml(listItems[name] ?? 'item', item)).join('')}</${name}>`;
  if (value && typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
};
const body = Buffer.from(asXml ? toXml(v2 ? 'DossierStatusV2' : 'DossierStatus', update) : JSON.stringify(update));
const gateway = info.gatewayUrl!;
const path = v2 ? '/v2/dossiers/status' : '/v1/dossiers/status';
console.log(`POST ${gateway}${path}  (${asXml ? 'XML' : 'JSON'}, dossier ${dossierCode})`);
const res = await signedPost(info, path, body, asXml ? 'application/xml' : 'application/json');
const accepted = res.body as { messageId?: string };
console.log(`→ HTTP ${res.statusCode}`, accepted);
if (!accepted.messageId) process.exit(1);

for (let i = 0; i < 40; i++) {
  const status = await request(`${gateway}/v1/messages/${accepted.messageId}`, { headers: { authorization: `Bearer ${info.apiKey}` } });
  const view = (await status.body.json()) as { state: string; attempts: number };
  if (['delivered', 'dead', 'superseded'].includes(view.state) || i === 39) {
    console.log(`GET /v1/messages/${accepted.messageId} →`, view);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
const portal = info.simulators['national-portal'];
if (portal) {
  const received = (await (await request(`${portal}/_sim/received`)).body.json()) as { effects: Array<{ service: string; payload: { data?: Array<{ MaHoSo: string }> } }> };
  const mine = received.effects.filter((e) => e.payload.data?.[0]?.MaHoSo === dossierCode);
  console.log(`National portal simulator applied for ${dossierCode} (${mine.map((e) => e.service).join(' → ')}):`, JSON.stringify(mine.map((e) => e.payload), null, 2));
}
