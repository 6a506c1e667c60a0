import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorStatus } from '../../src/http/errors.ts';
import { adminConfig, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
let doc: any;
beforeAll(async () => {
  t = await startTestGateway({ role: 'api', overrides: { admins: adminConfig } });
  doc = await (await request(`${t.url}/docs/json`)).body.json();
});
afterAll(() => t.close());

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })));

it('documents every partner and admin operation: summary, security, a success schema, refusals as enums of the gateway\'s codes', () => {
  expect(doc.components.securitySchemes).toEqual({
    partnerKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    adminToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
  });
  const names = operations().map((o) => o.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'POST /v1/dossiers/status', 'POST /v2/dossiers/status', 'GET /v1/messages/{messageId}', 'POST /v1/payments', 'GET /v1/payments/{paymentId}',
      'POST /v1/payments/{paymentId}/cancel', 'POST /v1/citizens/verify', 'POST /v1/postal/shipments', 'GET /v1/postal/shipments/{shipmentId}',
      'POST /v1/postal/shipments/{shipmentId}/cancel', 'POST /v1/payments/callbacks/{provider}', 'GET /admin/api/queues', 'GET /admin/api/dead-letters',
      'GET /admin/api/dead-letters/groups', 'POST /admin/api/dead-letters/retry', 'GET /admin/api/messages/{messageId}', 'POST /admin/api/trust/reload',
      'GET /admin/api/audit', 'POST /admin/api/payments/{paymentId}/refund', 'POST /admin/api/payments/reconcile',
    ]),
  );
  // The dashboard's page and assets, the queue board and the docs themselves are not operations.
  for (const name of names) expect(name, name).toMatch(/^(GET|POST) \/(v\d+|admin\/api)\//);

  for (const { name, path, op } of operations()) {
    expect(op.summary, name).toEqual(expect.any(String));
    // Bank callbacks authenticate by their signature, the live stream by a one-time ticket (EventSource sends no headers).
    const security = path === '/admin/api/stream' || path.startsWith('/v1/payments/callbacks/') ? [] : path.startsWith('/admin/api/') ? [{ adminToken: [] }] : [{ partnerKey: [] }];
    expect(op.security, name).toEqual(security);
    const statuses = Object.keys(op.responses);
    const success = statuses.filter((s) => /^2\d\d$/.test(s));
    expect(success.length, name).toBeGreaterThan(0);
    for (const s of success) expect(Object.values(op.responses[s].content ?? {})[0], `${name} ${s}`).toHaveProperty('schema');
    const refusals = statuses.filter((s) => /^[45]\d\d$/.test(s));
    expect(refusals.length, name).toBeGreaterThan(0);
    expect(statuses.filter((s) => /X/.test(s)), name).toEqual([]); // no free-form 4XX
    for (const s of refusals) {
      const codes: string[] = op.responses[s].content['application/json'].schema.properties.error.enum;
      expect(codes.length, `${name} ${s}`).toBeGreaterThan(0);
      for (const code of codes) expect(errorStatus[code as keyof typeof errorStatus], `${name} ${s} ${code}`).toBe(Number(s));
    }
  }
  const refusalsOf = (path: string, method: string) => Object.values(doc.paths[path][method].responses).flatMap((r: any) => r.content?.['application/json']?.schema?.properties?.error?.enum ?? []);
  expect(refusalsOf('/v1/dossiers/status', 'post')).toEqual(expect.arrayContaining(['AUTH_INVALID', 'SCHEMA_INVALID', 'SIGNATURE_INVALID', 'CERT_REVOKED', 'AGENCY_FORBIDDEN', 'IDEMPOTENCY_CONFLICT', 'RATE_LIMITED']));
  expect(refusalsOf('/admin/api/dead-letters/retry', 'post')).toEqual(expect.arrayContaining(['AUTH_INVALID', 'ROLE_FORBIDDEN', 'SCHEMA_INVALID']));
  expect(refusalsOf('/admin/api/payments/{paymentId}/refund', 'post')).toEqual(expect.arrayContaining(['REFUND_REFUSED', 'REFUND_EXCEEDS_REMAINING', 'NOT_FOUND']));
});

it('declares the bodies: signed documents in JSON or XML from their versioned schemas, admin actions with their reason', () => {
  for (const [path, root] of [['/v1/dossiers/status', 'DossierStatus'], ['/v1/payments', 'PaymentRequest'], ['/v1/citizens/verify', 'CitizenVerify']] as const) {
    const body = doc.paths[path].post.requestBody;
    expect(Object.keys(body.content), path).toEqual(['application/json', 'application/xml']);
    expect(body.content['application/xml'].schema.xml, path).toEqual({ name: expect.any(String) });
    expect(body.content['application/json'].schema.required.length, path).toBeGreaterThan(2);
    if (path !== '/v1/dossiers/status') expect(body.content['application/xml'].schema.xml.name).toBe(root);
  }
  expect(doc.paths['/v1/payments'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['dossierCode', 'fees', 'totalAmount', 'provider']));
  expect(doc.paths['/v1/citizens/verify'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['personalId', 'fullName', 'dateOfBirth']));
  expect(doc.paths['/admin/api/payments/reconcile'].post.requestBody.content['application/json'].schema.required).toEqual(['date', 'csv']);
  expect(doc.paths['/v1/payments'].post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['x-signature', 'x-timestamp']));
  for (const { name, method, op, path } of operations()) {
    // Every admin action is audited with its reason (reconciling a settlement file or asking a stream ticket changes nothing).
    if (method === 'post' && path.startsWith('/admin/api/') && !['/admin/api/payments/reconcile', '/admin/api/stream-tickets'].includes(path)) expect(op.requestBody.content['application/json'].schema.required, name).toContain('reason');
  }
});

/** Type-checks `files` (name → source) with the generated types beside them; the diagnostics, as text. */
function typeCheck(dir: string, files: Record<string, string>): string[] {
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
  const program = ts.createProgram(
    Object.keys(files).map((f) => join(dir, f)),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowImportingTsExtensions: true, skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

it('generates TypeScript types from /docs/json with which a partner client and an operator script type-check, and a wrong call does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-openapi-'));
  writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc)));
  const client = `
import type { paths } from './api.ts';
type Ingest = paths['/v1/dossiers/status']['post'];
export type StatusUpdate = Ingest['requestBody']['content']['application/json'];
type Accepted = Ingest['responses'][202]['content']['application/json'];
type Refused = Ingest['responses'][422]['content']['application/json'];
type RetryBody = paths['/admin/api/dead-letters/retry']['post']['requestBody']['content']['application/json'];
type Groups = paths['/admin/api/dead-letters/groups']['get']['responses'][200]['content']['application/json'];

export async function sendStatus(baseUrl: string, apiKey: string, signature: string, update: StatusUpdate): Promise<Accepted | Refused> {
  const res = await fetch(baseUrl + '/v1/dossiers/status', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + apiKey, 'content-type': 'application/json', 'x-signature': signature, 'x-timestamp': new Date().toISOString() },
    body: JSON.stringify(update),
  });
  return (await res.json()) as Accepted | Refused;
}

export async function demo(): Promise<string> {
  const answer = await sendStatus('http://gw', 'key', 'sig', {
    dossierCode: '000.00.01.H22-261123-0001', procedureCode: '1.001612.000.00.00.H22', agencyCode: '000.00.01.H22',
    status: 4, statusTime: '2026-11-23T09:15:00+07:00', channel: 'online',
  });
  if ('messageId' in answer) return answer.status === 'queued' ? answer.messageId : 'never';
  return answer.error === 'CERT_REVOKED' ? 'renew the certificate' : answer.details.map((d) => d.path + ' ' + d.message).join('; ');
}

export function retryGroup(groups: Groups): RetryBody[] {
  return groups.groups.map((g) => ({ ...g.filter, reason: 'portal fixed', dryRun: true }));
}
`;
  expect(typeCheck(dir, { 'client.ts': client })).toEqual([]);

  const wrong = `
import type { StatusUpdate } from './client.ts';
import type { paths } from './api.ts';
type Refused = paths['/v1/dossiers/status']['post']['responses'][422]['content']['application/json'];
export const noChannel: StatusUpdate = { dossierCode: 'X-1', procedureCode: 'P', agencyCode: 'A', status: 4, statusTime: 't' };
export const badStatus: StatusUpdate = { dossierCode: 'X-1', procedureCode: 'P', agencyCode: 'A', status: 11, statusTime: 't', channel: 'online' };
export const unknownCode = (r: Refused) => r.error === 'NOT_A_CODE';
`;
  const errors = typeCheck(dir, { 'client.ts': client, 'wrong.ts': wrong });
  expect(errors).toEqual([
    expect.stringContaining("Property 'channel' is missing"),
    expect.stringContaining("Type '11' is not assignable"),
    expect.stringContaining('This comparison appears to be unintentional'),
  ]);
}, 120_000);
