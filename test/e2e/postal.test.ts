import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callbackSignature } from '../../connectors/postal-vnpost/mapping.ts';
import { buildVnpostSimulator, type CarrierOrder } from '../../connectors/postal-vnpost/simulator.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { agencyCode, carrierOptions, gatewayIdentity, ProvincialSimulator, SimulatorClient, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
let provincial: ProvincialSimulator;
let carrier: SimulatorClient<CarrierOrder>;

beforeAll(async () => {
  provincial = await ProvincialSimulator.start();
  const app: FastifyInstance = buildVnpostSimulator({ ...carrierOptions, gatewayTrustDir: gatewayIdentity().trustDir, stepMs: 30 });
  carrier = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  t = await startTestGateway({ provincialUrl: provincial.url, carrierUrl: carrier.url });
  await post(`${carrier.url}/_sim/config`, { callbackUrl: `${t.url}/v1/postal/callbacks/vnpost` });
});
afterAll(async () => {
  await t?.close();
  await carrier?.close();
  await provincial?.close();
});
beforeEach(async () => {
  await carrier.faults({});
});

async function post(url: string, json: unknown) {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}

const party = (fullName: string) => ({ fullName, phone: '0912345678', address: '12 Trần Hưng Đạo, phường Hồng Gai', provinceCode: '22', districtCode: '193' });
function shipment(overrides: Record<string, unknown> = {}) {
  return { dossierCode: `${agencyCode}-BC-${randomBytes(3).toString('hex')}`, agencyCode, kind: 'delivery', citizen: party('Phạm Thị Thu'), office: party('Bộ phận một cửa tỉnh'), codAmount: 0, ...overrides };
}

async function requestShipment(doc: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${t.url}/v1/postal/shipments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, t.pki.defaultSigner) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}

const shipmentView = async (id: string) => (await request(`${t.url}/v1/postal/shipments/${id}`, { headers: { authorization: `Bearer ${t.apiKey}` } })).body.json() as Promise<any>;

const provinceEvents = async (dossierCode: string) => (await provincial.eventsFor(dossierCode)).map((e) => e.event);

describe('public postal service: shipments and tracking', () => {
  it('creates the shipment at the carrier, reports the tracking number, then follows the journey to delivered', async () => {
    const doc = shipment();
    const accepted = await requestShipment(doc);
    expect(accepted.statusCode).toBe(202);
    const shipmentId = accepted.body.messageId;
    const view = await until(() => shipmentView(shipmentId), (v) => v.state === 'delivered');
    expect(view).toMatchObject({ shipmentId, carrier: 'vnpost', creation: 'delivered', state: 'delivered', trackingNumber: expect.stringMatching(/^EB\w+VN$/) });
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'picked-up', 'in-transit', 'delivered']);
    // The carrier got the order as its profile wants it: for a delivery the agency sends and the citizen receives.
    const order = (await carrier.received()).effects.find((o) => o.order.OrderNumber === shipmentId)!;
    expect(order.order).toMatchObject({ CustomerCode: carrierOptions.customerCode, ServiceCode: 'HCC', SenderName: 'Bộ phận một cửa tỉnh', ReceiverName: 'Phạm Thị Thu' });
    const events = await until(() => provinceEvents(doc.dossierCode), (e) => e.some((x) => x.data.state === 'delivered'));
    expect(events.filter((e) => e.type === 'postal.shipment.created.v1')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ shipmentId, trackingNumber: view.trackingNumber, kind: 'delivery' }) }),
    ]);
    // Per shipment, an older event never reaches the province after a newer one (it is superseded instead): what
    // arrives is in journey order and ends in the final state.
    const journey = ['accepted', 'picked-up', 'in-transit', 'delivered'];
    const states = events.filter((e) => e.type === 'postal.tracking.v1').map((e) => e.data.state as string);
    expect(states.at(-1)).toBe('delivered');
    expect(states.map((s) => journey.indexOf(s))).toEqual([...states.map((s) => journey.indexOf(s))].sort());
    expect(new Set(states).size).toBe(states.length);
  });

  it('ends in the right state when the carrier sends the journey newest first, and tells the province only the newest', async () => {
    await carrier.faults({ outOfOrder: true });
    const doc = shipment({ kind: 'pickup' });
    const shipmentId = (await requestShipment(doc)).body.messageId;
    const view = await until(() => shipmentView(shipmentId), (v) => v.history?.length === 4);
    expect(view.state).toBe('delivered');
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'picked-up', 'in-transit', 'delivered']);
    const events = await until(() => provinceEvents(doc.dossierCode), (e) => e.some((x) => x.data.state === 'delivered'));
    await new Promise((r) => setTimeout(r, 300)); // time for anything older to (wrongly) follow
    const tracking = (await provinceEvents(doc.dossierCode)).filter((e) => e.type === 'postal.tracking.v1');
    expect(events.length).toBeGreaterThan(0);
    expect(tracking.map((e) => e.data.state)).toEqual(['delivered']);
  });

  it('applies a repeated event once and records a failed delivery and return', async () => {
    await carrier.faults({ duplicateEvents: true, failDelivery: true });
    const doc = shipment();
    const shipmentId = (await requestShipment(doc)).body.messageId;
    const view = await until(() => shipmentView(shipmentId), (v) => v.state === 'returned');
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'picked-up', 'in-transit', 'delivery-failed', 'returned']);
    const orderOf = async () => (await carrier.received()).effects.find((o) => o.order.OrderNumber === shipmentId)!;
    const order = await until(orderOf, (o) => o.callbacks.length === 10);
    // Ten callbacks (each event twice, possibly interleaved): every one answered 200, five applied in all.
    expect(order.callbacks.map((c) => c.statusCode)).toEqual(Array(10).fill(200));
    expect(order.callbacks.reduce((sum, c) => sum + (c.reply as { applied: number }).applied, 0)).toBe(5);
  });

  it('refuses tracking callbacks with a bad signature or a stale timestamp, changing nothing', async () => {
    await carrier.faults({ manualEvents: true });
    const shipmentId = (await requestShipment(shipment())).body.messageId;
    const created = await until(() => shipmentView(shipmentId), (v) => v.creation === 'delivered');
    expect(created).toMatchObject({ state: 'created', trackingNumber: expect.stringMatching(/^EB\w+VN$/), history: [] });
    const body = Buffer.from(JSON.stringify({ events: [{ EventId: 'e1', OrderNumber: shipmentId, ItemCode: 'EB1VN', StatusCode: '400', OccurredAt: '20261123100000' }] }));
    const send = (timestamp: string, signature: string) =>
      request(`${t.url}/v1/postal/callbacks/vnpost`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-vnpost-timestamp': timestamp, 'x-vnpost-signature': signature }, body });
    const now = String(Date.now());
    expect((await send(now, callbackSignature('wrong-secret', now, body))).statusCode).toBe(401);
    const old = String(Date.now() - 10 * 60_000);
    expect((await send(old, callbackSignature(carrierOptions.callbackSecret, old, body))).statusCode).toBe(401);
    expect((await shipmentView(shipmentId)).state).toBe('created');
    const good = await send(now, callbackSignature(carrierOptions.callbackSecret, now, body));
    expect(await good.body.json()).toEqual({ status: 'accepted', received: 1, applied: 1 });
  });

  it('refuses a shipment request with a bad phone number, naming the field, and keeps PII out of the logs', async () => {
    const bad = await requestShipment(shipment({ citizen: { ...party('Phạm Thị Thu'), phone: '12ab' } }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ path: '/citizen/phone' })]);
    const logs = t.logs.join('');
    for (const pii of ['Phạm Thị Thu', '0912345678', 'Trần Hưng Đạo']) expect(logs).not.toContain(pii);
  });
});
