import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { startTestGateway, statusUpdate, type TestGateway } from '../helpers/test-gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

const scrape = async () => (await request(`${t.url}/metrics`)).body.text();
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : undefined;
};

it('/metrics counts ingest outcomes, signature failures, delivery attempts and queue depth, with no personal data', async () => {
  await t.portal.faults({ failNext: 1, status: 503 });
  const doc = statusUpdate();
  const first = await t.send({ doc });
  await t.send({ doc }); // duplicate
  const tampered = statusUpdate();
  await t.send({ doc: { ...tampered, status: 9 }, signature: signCms(Buffer.from(JSON.stringify(tampered)), t.pki.defaultSigner) });
  const second = await t.send();
  await t.waitForState(first.body.messageId, ['delivered']);
  await t.waitForState(second.body.messageId, ['delivered']);

  const text = await scrape();
  const ingest = (outcome: string) => value(text, `gateway_ingest_total{partner="province-a",type="dossier.status.v1",outcome="${outcome}"}`);
  expect([ingest('queued'), ingest('duplicate'), ingest('SIGNATURE_INVALID')]).toEqual([2, 1, 1]);
  expect(value(text, 'gateway_signature_failures_total{code="SIGNATURE_INVALID"}')).toBe(1);
  expect(value(text, 'gateway_delivery_attempts_total{destination="national-portal",outcome="retry"}')).toBe(1);
  expect(value(text, 'gateway_delivery_attempts_total{destination="national-portal",outcome="delivered"}')).toBe(2);
  expect(value(text, 'gateway_queue_jobs{destination="national-portal",state="completed"}')).toBe(2);
  expect(value(text, 'gateway_queue_jobs{destination="national-portal",state="failed"}')).toBe(0);
  expect(value(text, 'gateway_circuit_state{destination="national-portal"}')).toBe(0);
  expect(value(text, 'gateway_end_to_end_seconds_count{destination="national-portal"}')).toBe(2);
  expect(text).toContain('process_resident_memory_bytes');
  expect(text).not.toContain('079188004321');
  expect(text).not.toContain(doc.dossierCode as string);
});
