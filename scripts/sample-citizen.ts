/**
 * Verifies a synthetic citizen against the population registry simulator in the sandbox, as an official would.
 * Usage: npm run sample:citizen [-- --id 001090012345 --name "Nguyễn Văn An" --dob 1990-05-14
 *          --officer 001085000111 [--phone 0912345678] [--service 1.001612.000.00.00.H22]]
 * --id takes a 12-digit personal ID or a 9-digit old ID card number (try 025188432, Trần Thị Bích Ngọc, 1988-11-02).
 * Without --service the registry connector's default (VPCP) is sent as MaDVC.
 * (GET <registry simulator>/_sim/citizens lists more synthetic citizens.)
 */
import { parseArgs } from 'node:util';
import { loadSandboxInfo, signedPost } from './sandbox-client.ts';

const { values } = parseArgs({
  options: {
    id: { type: 'string', default: '001090012345' },
    name: { type: 'string', default: 'Nguyễn Văn An' },
    dob: { type: 'string', default: '1990-05-14' },
    officer: { type: 'string', default: '001085000111' },
    phone: { type: 'string' },
    service: { type: 'string' },
  },
});
const info = loadSandboxInfo();
const doc = {
  personalId: values.id,
  fullName: values.name,
  dateOfBirth: values.dob,
  dossierCode: `${info.agencyCode}-CD-0001`,
  agencyCode: info.agencyCode,
  purpose: 'tiep-nhan-ho-so',
  officer: { id: values.officer, ...(values.phone ? { phone: values.phone } : {}) },
  ...(values.service ? { serviceCode: values.service } : {}),
};
console.log(`POST ${info.gatewayUrl}/v1/citizens/verify  (${values.name}, ${values.dob}; checked by official ${values.officer})`);
const answer = await signedPost(info, '/v1/citizens/verify', Buffer.from(JSON.stringify(doc)));
console.log(`→ HTTP ${answer.statusCode}`, answer.body);
