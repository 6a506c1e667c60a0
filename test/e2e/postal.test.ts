import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { toVnpostOrderBody } from '../../connectors/postal-vnpost/order-body.ts';
import { buildVnpostSimulator, type CarrierFaults, type CarrierOrder } from '../../connectors/postal-vnpost/simulator.ts';
import { feedStart } from '../../connectors/postal-vnpost/tracking-feed.ts';
import { discardDeadLetter } from '../../src/admin/dead-letters.ts';
import { findMessage } from '../../src/messages/message-status.ts';
import { ShipmentStore } from '../../src/postal/shipment-store.ts';
import type { TrackingPoller } from '../../src/postal/tracking-poller.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { agencyCode, carrierOptions, gatewayIdentity, ProvincialSimulator, SimulatorClient, startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

let provincial: ProvincialSimulator;
let carrier: SimulatorClient<CarrierOrder>;
let redis: Redis;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  provincial = await ProvincialSimulator.start();
  const app: FastifyInstance = buildVnpostSimulator({ ...carrierOptions, gatewayTrustDir: gatewayIdentity().trustDir, stepMs: 30 });
  carrier = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  for (const g of gateways) await g.close().catch(() => {});
  await carrier?.close();
  await provincial?.close();
  redis?.disconnect();
});
beforeEach(async () => {
  await carrier.faults({});
});

const faults = (f: CarrierFaults) => carrier.faults(f);

/** A gateway whose tracking poll runs only when the test says (pollOnce), on its own key prefix unless given one. */
async function manualGateway(options: { prefix?: string; pageSize?: number } & Partial<TestGatewayOptions> = {}) {
  const { prefix, pageSize, ...rest } = options;
  const g = await startTestGateway({
    provincialUrl: provincial.url,
    carrierUrl: carrier.url,
    prefix,
    overrides: { destinations: { vnpost: { options: { trackingPollIntervalMs: 3_600_000, trackingPageSize: pageSize ?? 50 } } } },
    ...rest,
  });
  gateways.push(g);
  return g;
}

/** Closes a gateway before its test ends (a restart, or a poller that must not outlive the test): afterAll skips it. */
async function closeGateway(g: TestGateway) {
  await g.close();
  gateways.splice(gateways.indexOf(g), 1);
}
const pollerOf = (g: TestGateway): TrackingPoller => g.gateway.trackingPollers.get('vnpost')!;
/** Moves a fresh gateway's cursor to the feed's current end, so its reads see only what the test writes next. */
async function skipFeed(g: TestGateway) {
  while ((await pollerOf(g).pollOnce()).records >= 50);
}

const party = (fullName: string, phone = '0912345678') => ({ fullName, phone, address: '12 Trần Hưng Đạo, phường Hồng Gai', provinceCode: '20', districtCode: '2010' });
function shipment(overrides: Record<string, unknown> = {}) {
  return { dossierCode: `${agencyCode}-BC-${randomBytes(3).toString('hex')}`, agencyCode, kind: 'delivery', citizen: party('Phạm Thị Thu'), office: party('Bộ phận một cửa tỉnh', '02033835555'), codAmount: 0, ...overrides };
}

async function requestShipment(g: TestGateway, doc: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${g.url}/v1/postal/shipments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, g.pki.defaultSigner) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}
const shipmentView = async (g: TestGateway, id: string) => (await request(`${g.url}/v1/postal/shipments/${id}`, { headers: { authorization: `Bearer ${g.apiKey}` } })).body.json() as Promise<any>;
async function cancel(g: TestGateway, id: string) {
  const res = await request(`${g.url}/v1/postal/shipments/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${g.apiKey}` } });
  return { statusCode: res.statusCode, body: (await res.body.json()) as any };
}
/** Requests a shipment and waits until the carrier has the order. */
async function createdShipment(g: TestGateway, doc = shipment()) {
  const accepted = await requestShipment(g, doc);
  expect(accepted.statusCode).toBe(202);
  const view = await until('the carrier to have the order', () => shipmentView(g, accepted.body.messageId), (v) => v.creation === 'delivered');
  expect(view).toMatchObject({ creation: 'delivered', orderNumber: expect.any(String) });
  return { doc, shipmentId: accepted.body.messageId as string, orderNumber: view.orderNumber as string };
}
async function emit(orderNumber: string, codes: number[], eventTimes?: number[]) {
  await request(`${carrier.url}/_sim/emit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderNumber, codes, eventTimes }) });
}
const provinceEvents = async (dossierCode: string) => (await provincial.eventsFor(dossierCode)).map((e) => e.event);
const trackingStates = async (dossierCode: string) => (await provinceEvents(dossierCode)).filter((e) => e.type === 'postal.tracking.v1').map((e) => e.data.state as string);
const sum = (results: Array<{ published: number }>) => results.reduce((n, r) => n + r.published, 0);
const journey = ['accepted', 'in-transit', 'delivered'];
/**
 * What the province heard of one shipment, once the queues drained: the journey's steps in order, each once, ending
 * with `last`. Events handed on together race to the province; one overtaken by a later step of the same shipment is
 * superseded (never sent after it), so an intermediate step may be missing, never out of order.
 */
const expectJourney = (states: string[], last: string) => {
  expect(states.at(-1)).toBe(last);
  expect(states.map((s) => journey.indexOf(s))).toEqual([...states.map((s) => journey.indexOf(s))].sort());
  expect(new Set(states).size).toBe(states.length);
};

describe('public postal service: orders and pulled tracking', () => {
  it('creates the order as the public client would, and follows the journey to delivered (poller on a timer)', async () => {
    const g = await manualGateway({ overrides: { destinations: { vnpost: { options: { trackingPollIntervalMs: 100 } } } } });
    const doc = shipment();
    const { shipmentId, orderNumber } = await createdShipment(g, doc);
    expect(orderNumber).toBe(doc.dossierCode); // a result delivery is ordered under the dossier number
    const order = (await carrier.received()).effects.find((o) => o.order.OrderNumber === orderNumber)!;
    expect(order.order).toEqual(toVnpostOrderBody(doc as any, carrierOptions.customerCode)); // agency sends, citizen receives
    const view = await until('the shipment to be delivered', () => shipmentView(g, shipmentId), (v) => v.state === 'delivered');
    expect(view).toMatchObject({ shipmentId, carrier: 'vnpost', creation: 'delivered', state: 'delivered', orderNumber, trackingNumber: expect.stringMatching(/^EB\w+VN$/) });
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'in-transit', 'delivered']);
    await until('the province to hear the shipment was delivered', () => provinceEvents(doc.dossierCode), (e) => e.some((x) => x.data.state === 'delivered'));
    await g.drain(); // everything queued has been delivered: a second or late event would be there now
    const events = await provinceEvents(doc.dossierCode);
    expect(events.filter((e) => e.type === 'postal.shipment.created.v1')).toEqual([expect.objectContaining({ data: expect.objectContaining({ shipmentId, orderNumber, kind: 'delivery' }) })]);
    // Per shipment an older event never reaches the province after a newer one: what arrives is in journey order, once each.
    expectJourney(await trackingStates(doc.dossierCode), 'delivered');
    // Its poller calls the shared carrier simulator every 100 ms: left running, it would take the faults later tests
    // arm for their own poller's next call (failNext).
    await closeGateway(g);
  });

  it('resumes a pickup from its persisted cursor after a restart: nothing missed, nothing handed on twice', async () => {
    await faults({ manualEvents: true });
    const prefix = `t${randomBytes(5).toString('hex')}`;
    const first = await manualGateway({ prefix });
    await skipFeed(first);
    const { doc, orderNumber } = await createdShipment(first, shipment({ kind: 'pickup' }));
    expect(orderNumber).toBe(`${doc.dossierCode}__pickup`);
    const order = (await carrier.received()).effects.find((o) => o.order.OrderNumber === orderNumber)!;
    expect(order.order).toMatchObject({ SenderName: 'Phạm Thị Thu', ReceiverName: 'Bộ phận một cửa tỉnh' }); // a pickup: citizen sends
    await emit(orderNumber, [1, 2]);
    const before = await pollerOf(first).pollOnce();
    expect(before).toMatchObject({ polled: true, published: 2 });
    await closeGateway(first);

    await emit(orderNumber, [3]);
    const second = await manualGateway({ prefix });
    const after = await pollerOf(second).pollOnce();
    expect(after).toMatchObject({ polled: true, records: 1, published: 1 });
    // A crash after handing events on but before the cursor moved: the page is read again and adds nothing.
    await redis.set(`${prefix}:postal:vnpost:tracking-cursor`, feedStart);
    const replay = await pollerOf(second).pollOnce();
    expect(replay.published).toBe(0);
    expect(replay.duplicates).toBeGreaterThanOrEqual(3);

    await until('the province to hear the pickup was delivered', () => trackingStates(doc.dossierCode), (s) => s.includes('delivered'));
    await second.drain();
    expectJourney(await trackingStates(doc.dossierCode), 'delivered');
    expect((await provinceEvents(doc.dossierCode)).filter((e) => e.type === 'postal.shipment.created.v1')).toHaveLength(1);
  });

  it('drops events for an order the gateway never created: counted, logged without the order number, never sent to the province', async () => {
    await faults({ manualEvents: true });
    const g = await manualGateway();
    await skipFeed(g);
    const known = await createdShipment(g);
    await until('the province to hear the shipment was created', () => provinceEvents(known.doc.dossierCode), (e) => e.length === 1);
    // The feed: two events of an order nobody here created, then one of ours, read in one round.
    const stranger = `000.00.09.H99-STRANGER-${randomBytes(3).toString('hex')}`;
    await emit(stranger, [1, 3]);
    await emit(known.orderNumber, [1]);
    const counted = async (outcome: string) => {
      const text = await (await request(`${g.url}/metrics`)).body.text();
      return Number(new RegExp(`^gateway_tracking_events_total\\{carrier="vnpost",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const [unknownBefore, publishedBefore] = [await counted('unknown-shipment'), await counted('published')];
    const result = await pollerOf(g).pollOnce();
    expect(result).toMatchObject({ records: 3, dropped: 2, published: 1 });
    expect([(await counted('unknown-shipment')) - unknownBefore, (await counted('published')) - publishedBefore]).toEqual([2, 1]);
    // The positive sign: the later event of our shipment reached the province, and nothing is left to deliver.
    await until('the province to hear of the known shipment\'s pickup', () => trackingStates(known.doc.dossierCode), (s) => s.includes('accepted'));
    await g.drain();
    const effects = (await provincial.received()).effects.map((e) => JSON.stringify(e.event));
    expect(effects.filter((e) => e.includes(stranger))).toEqual([]);
    expect(await provinceEvents(known.doc.dossierCode)).toHaveLength(2); // created, then accepted: nothing else for it either
    const logs = g.logs.join('');
    expect(logs).toContain('never created');
    expect(logs).not.toContain(stranger);
    // Even handed to the store directly, an event for a shipment it does not hold writes nothing.
    const unknownShipment = `never-created-${randomBytes(3).toString('hex')}`;
    const store = new ShipmentStore(redis, g.config.redis.prefix, 60_000);
    expect(await store.apply({ shipmentId: unknownShipment, orderNumber: stranger, eventId: 'x-1', state: 'accepted', occurredAt: new Date().toISOString() } as never)).toBe('unknown');
    expect(await redis.keys(`${g.config.redis.prefix}:shipment:{${unknownShipment}}*`)).toEqual([]);
  });

  it('cancels at the carrier by CustomerCode and OrderNumber, stores the outcome and follows it in tracking', async () => {
    await faults({ manualEvents: true });
    const g = await manualGateway();
    await skipFeed(g);
    const { doc, shipmentId, orderNumber } = await createdShipment(g);
    await emit(orderNumber, [1]);
    const cancelled = await cancel(g, shipmentId);
    expect(cancelled).toMatchObject({ statusCode: 200, body: { shipmentId, orderNumber, cancellation: { outcome: 'cancelled', statusCode: 200 } } });
    expect((await carrier.received()).effects.find((o) => o.order.OrderNumber === orderNumber)!.status).toBe('cancelled');
    expect(await pollerOf(g).pollOnce()).toMatchObject({ published: 2 });
    expect(await shipmentView(g, shipmentId)).toMatchObject({ state: 'cancelled', cancellation: { outcome: 'cancelled' } });
    await until('the province to hear of the cancellation', () => trackingStates(doc.dossierCode), (s) => s.includes('cancelled'));
    await g.drain();
    expect(await trackingStates(doc.dossierCode)).toEqual(['accepted', 'cancelled']);

    const again = await cancel(g, shipmentId);
    expect(again).toMatchObject({ statusCode: 409, body: { error: 'CANCEL_REFUSED' } });
    expect((await shipmentView(g, shipmentId)).cancellation).toMatchObject({ outcome: 'refused', statusCode: 400 });
    expect(await cancel(g, 'no-such-shipment')).toMatchObject({ statusCode: 404, body: { error: 'NOT_FOUND' } });
  });

  it('refuses a cancel while the carrier has not created the order (creation retrying, or dead and discarded): 409 SHIPMENT_NOT_CREATED, nothing stored', async () => {
    const g = await manualGateway();
    try {
      await faults({ failNext: 100_000, status: 503 }); // every creation attempt fails, within the retry budget
      const retrying = (await requestShipment(g, shipment())).body.messageId as string;
      await until('the shipment to be registered, its creation failing', () => shipmentView(g, retrying), (v) => v.orderNumber !== undefined && v.creation !== 'delivered');
      expect(await cancel(g, retrying)).toMatchObject({ statusCode: 409, body: { error: 'SHIPMENT_NOT_CREATED' } });
      expect((await shipmentView(g, retrying)).cancellation).toBeUndefined();

      await faults({ failNext: 100_000, status: 400 }); // refused for good: dead at once
      const refused = (await requestShipment(g, shipment())).body.messageId as string;
      await until('the creation to be dead', () => shipmentView(g, refused), (v) => v.creation === 'dead');
      await discardDeadLetter(redis, g.config.redis.prefix, 60_000, (await findMessage(g.gateway.queues, refused))!, 'the carrier refused the address', 'it-operator');
      expect(await cancel(g, refused)).toMatchObject({ statusCode: 409, body: { error: 'SHIPMENT_NOT_CREATED' } });
    } finally {
      await closeGateway(g); // its retrying creation must not create an order in the feed later tests read
      await faults({});
    }
  });

  it('keeps reading when its token expires in the middle of a multi-page read', async () => {
    await faults({ manualEvents: true });
    const g = await manualGateway({ pageSize: 2 });
    await skipFeed(g);
    const { doc, shipmentId, orderNumber } = await createdShipment(g);
    await faults({ manualEvents: true, tokenLifetimeCalls: 1 });
    const stats = (await carrier.received()).stats;
    await emit(orderNumber, [1, 2, 3]);
    const results = [await pollerOf(g).pollOnce()];
    expect(results[0]).toMatchObject({ polled: true, records: 3 }); // two pages, each with a fresh token
    const after = (await carrier.received()).stats;
    expect(after.refusedTokens! - (stats.refusedTokens ?? 0)).toBeGreaterThanOrEqual(1);
    expect(after.tokens! - stats.tokens!).toBeGreaterThanOrEqual(1);
    expect(sum(results)).toBe(3);
    expect((await shipmentView(g, shipmentId)).state).toBe('delivered');
    await until('the province to hear the shipment was delivered', () => trackingStates(doc.dossierCode), (s) => s.includes('delivered'));
    await g.drain();
    expectJourney(await trackingStates(doc.dossierCode), 'delivered');
  });

  it('applies duplicates and out-of-order pages once, never regressing a newer state', async () => {
    await faults({ manualEvents: true });
    const g = await manualGateway();
    await skipFeed(g);
    const { doc, shipmentId, orderNumber } = await createdShipment(g);
    await emit(orderNumber, [1, 2, 3]);
    await faults({ manualEvents: true, duplicates: true, reversePages: true });
    const first = await pollerOf(g).pollOnce(); // each record twice, newest first
    expect(first).toMatchObject({ published: 1, stale: 2 });
    expect(first.duplicates).toBeGreaterThanOrEqual(3);
    // An older status written after the newest one (a late scan): kept in history, never the state.
    await emit(orderNumber, [2]);
    const second = await pollerOf(g).pollOnce();
    expect(second).toMatchObject({ published: 0, stale: 1 });
    const view = await shipmentView(g, shipmentId);
    expect(view.state).toBe('delivered');
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'in-transit', 'in-transit', 'delivered']);
    await until('a tracking event at the province', () => trackingStates(doc.dossierCode), (s) => s.length > 0);
    await g.drain(); // the stale events, had they been queued, would have been delivered by now
    expect(await trackingStates(doc.dossierCode)).toEqual(['delivered']);
  });

  it('follows a journey the carrier wrote newest first, telling the province only the newest', async () => {
    await faults({ outOfOrder: true, duplicates: true });
    const g = await manualGateway();
    await skipFeed(g);
    const { doc, shipmentId } = await createdShipment(g, shipment({ kind: 'pickup' }));
    const results: Array<{ published: number }> = [];
    const view = await until('three tracking records read by polling', async () => (results.push(await pollerOf(g).pollOnce()), shipmentView(g, shipmentId)), (v) => v.history?.length === 3);
    expect(view.state).toBe('delivered');
    expect(sum(results)).toBe(1);
    await until('a tracking event at the province', () => trackingStates(doc.dossierCode), (s) => s.length > 0);
    await g.drain(); // the stale events, had they been queued, would have been delivered by now
    expect(await trackingStates(doc.dossierCode)).toEqual(['delivered']);
  });

  it('leaves the cursor where it was when the carrier fails, and reads the same records next round', async () => {
    await faults({ manualEvents: true });
    const g = await manualGateway();
    await skipFeed(g);
    const { orderNumber } = await createdShipment(g);
    await emit(orderNumber, [1]);
    const cursor = await pollerOf(g).cursor();
    await faults({ manualEvents: true, failNext: 1, status: 503 });
    await expect(pollerOf(g).pollOnce()).rejects.toThrow(/503/);
    expect(await pollerOf(g).cursor()).toBe(cursor);
    expect(await pollerOf(g).pollOnce()).toMatchObject({ records: 1, published: 1 });
  });

  it('refuses a shipment request with a bad phone number, naming the field, and keeps PII out of the logs', async () => {
    const g = await manualGateway();
    const bad = await requestShipment(g, shipment({ citizen: { ...party('Phạm Thị Thu'), phone: '12ab' } }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ path: '/citizen/phone' })]);
    await createdShipment(g);
    const logs = g.logs.join('');
    for (const pii of ['Phạm Thị Thu', '0912345678', 'Trần Hưng Đạo']) expect(logs).not.toContain(pii);
  });
});
