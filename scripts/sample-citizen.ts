/**
 * Verifies a synthetic citizen against the population registry simulator in the sandbox.
 * Usage: npm run sample:citizen [-- --id 001090012345 --name "Nguyễn Văn An" --dob 1990-05-14]
 * (GET <registry simulator>/_sim/citizens lists more synthetic citizens.)
 */
import { parseArgs } from 'node:util';
import { loadSandboxInfo, signedPost } from './sandbox-client.ts';

const { values } = parseArgs({ options: { id: { type: 'string', default: '001090012345' }, name: { type: 'string', default: 'Nguyễn Văn An' }, dob: { type: 'string', default: '1990-05-14' } } });
const info = loadSandboxInfo();
const doc = { personalId: values.id, fullName: values.name, dateOfBirth: values.dob, dossierCode: `${info.agencyCode}-CD-0001`, agencyCode: info.agencyCode, purpose: 'tiep-nhan-ho-so' };
console.log(`POST ${info.gatewayUrl}/v1/citizens/verify  (${values.name}, ${values.dob})`);
const answer = await signedPost(info, '/v1/citizens/verify', Buffer.from(JSON.stringify(doc)));
console.log(`→ HTTP ${answer.statusCode}`, answer.body);
