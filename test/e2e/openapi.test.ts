import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ role: 'api' });
});
afterAll(() => t.close());

it('publishes an OpenAPI document of the routes at /docs/json, with the ingest body from its versioned schema', async () => {
  const doc = (await (await request(`${t.url}/docs/json`)).body.json()) as any;
  expect(doc.openapi).toMatch(/^3\./);
  const ingest = doc.paths['/v1/dossiers/status'].post;
  const body = ingest.requestBody.content['application/json'].schema;
  expect(body.required).toEqual(['dossierCode', 'procedureCode', 'agencyCode', 'status', 'statusTime', 'channel']);
  expect(body.properties.status.enum).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(Object.keys(ingest.responses)).toEqual(expect.arrayContaining(['202', '200', '400', '401', '422', '429']));
  expect(ingest.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['x-signature', 'x-timestamp', 'idempotency-key']));
  const v2 = doc.paths['/v2/dossiers/status'].post.requestBody.content['application/json'].schema;
  expect(Object.keys(v2.properties)).toEqual(expect.arrayContaining(['receivedAt', 'applicant', 'handling', 'fees', 'resultDocuments']));
  // The schema's shared definitions are written out in place: the document has no dangling reference.
  expect(JSON.stringify(v2)).not.toContain('$ref');
  expect(v2.properties.receivedAt).toMatchObject({ type: 'string', format: 'date-time', description: expect.stringContaining('NgayTiepNhan') });
  expect(doc.paths['/admin/api/dead-letters/retry'].post.requestBody.content['application/json'].schema.required).toEqual(['reason']);
  const page = await request(`${t.url}/docs`);
  expect(page.statusCode).toBe(200);
  expect(await page.body.text()).toContain('swagger-ui');
});
