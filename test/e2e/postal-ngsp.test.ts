import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVnpostSimulator, type CarrierOrder } from '../../connectors/postal-vnpost/simulator.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { basicAuthorization } from '../../src/connectors/client-credentials.ts';
import { PlatformSimulator } from '../helpers/platform-simulator.ts';
import { agencyCode, carrierOptions, gatewayIdentity, ProvincialSimulator, SimulatorClient, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts';
import { until } from '../helpers/until.ts';

/**
 * VNPost reached as the public client reaches it: through the NGSP (token at the platform, then each call to the
 * platform's path with `Authorization: Bearer` and a `service-code`), configured as a PlatformTransportConfig.
 * The NGSP is the platform simulator (connectors/service-platform) in front of the carrier's simulator.
 */
const ngspCredentials = { consumerKey: 'province-ngsp-key', consumerSecret: 'province-ngsp-secret' };
const services = {
  order: { path: '/apiVNPostNGSP/p1.0/order/post', serviceCode: 'VNPOST_ORDER_POST', forwardTo: '/order/post' },
  tracking: { path: '/apiVNPostNGSP/p1.0/order/tracking', serviceCode: 'VNPOST_ORDER_TRACKING', forwardTo: '/order/tracking' },
  cancel: { path: '/apiVNPostNGSP/p1.0/order/cancel', serviceCode: 'VNPOST_ORDER_CANCEL', forwardTo: '/order/cancel' },
};

let provincial: ProvincialSimulator;
let carrier: SimulatorClient<CarrierOrder>;
let ngsp: PlatformSimulator;
let t: TestGateway;

beforeAll(async () => {
  provincial = await ProvincialSimulator.start();
  // Behind the platform VNPost's adapter issues no tokens of its own: no consumer key in its options.
  const app = buildVnpostSimulator({ customerCode: carrierOptions.customerCode, gatewayTrustDir: gatewayIdentity().trustDir, stepMs: 30 });
  carrier = new SimulatorClient(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  ngsp = await PlatformSimulator.start(
    Object.values(services).map((s) => ({ path: s.path, serviceCode: s.serviceCode, upstream: carrier.url + s.forwardTo })),
    { platform: 'ngsp', authorization: basicAuthorization(ngspCredentials.consumerKey, ngspCredentials.consumerSecret) },
  );
  t = await startTestGateway({
    provincialUrl: provincial.url,
    overrides: {
      destinations: {
        vnpost: {
          options: { consumerKey: undefined, consumerSecret: undefined, trackingPollIntervalMs: 100 },
          transport: {
            platform: 'ngsp',
            baseUrl: ngsp.url,
            tokenPath: '/token',
            keyScheme: 'Basic',
            ...ngspCredentials,
            services: Object.fromEntries(Object.entries(services).map(([op, s]) => [op, { path: s.path, serviceCode: s.serviceCode }])),
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await ngsp?.close();
  await carrier?.close();
  await provincial?.close();
});

async function requestShipment(doc: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${t.url}/v1/postal/shipments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, t.pki.defaultSigner) },
    body,
  });
  return (await res.body.json()) as { messageId: string };
}
const shipmentView = async (id: string) => (await request(`${t.url}/v1/postal/shipments/${id}`, { headers: { authorization: `Bearer ${t.apiKey}` } })).body.json() as Promise<any>;
const party = (fullName: string) => ({ fullName, phone: '0912345678', address: '12 Trần Hưng Đạo, phường Hồng Gai', provinceCode: '20', districtCode: '2010' });

describe('public postal service through the NGSP (transport: platform "ngsp")', () => {
  it('orders, pulls the journey and asks a cancel through the platform, surviving a platform token expiry', async () => {
    const dossierCode = `${agencyCode}-NGSP-${randomBytes(3).toString('hex')}`;
    const { messageId } = await requestShipment({ dossierCode, agencyCode, kind: 'delivery', citizen: party('Phạm Thị Thu'), office: party('Bộ phận một cửa tỉnh'), codAmount: 0 });
    const inTransit = await until('the first tracking event of the shipment', () => shipmentView(messageId), (v) => v.history?.length >= 1);
    expect(inTransit.orderNumber).toBe(dossierCode);
    await ngsp.revokeTokens(); // the platform forgets its tokens mid-journey: the transport fetches a new one and repeats the call
    expect(await until('the platform to refuse a revoked token', async () => (await ngsp.received()).stats.refused, (n) => n >= 1)).toBeGreaterThanOrEqual(1);
    const view = await until('the shipment to be delivered', () => shipmentView(messageId), (v) => v.state === 'delivered');
    expect(view.history.map((h: { state: string }) => h.state)).toEqual(['accepted', 'in-transit', 'delivered']);
    const states = await until('the province to hear the shipment was delivered', async () => (await provincial.eventsFor(dossierCode)).map((e) => e.event.data.state), (s) => s.includes('delivered'));
    expect(states.filter(Boolean).at(-1)).toBe('delivered');

    // A delivered order cannot be cancelled: the carrier's refusal comes back through the platform, stored.
    const cancel = await request(`${t.url}/v1/postal/shipments/${messageId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(cancel.statusCode).toBe(409);
    expect(await cancel.body.json()).toMatchObject({ error: 'CANCEL_REFUSED' });
    expect((await shipmentView(messageId)).cancellation).toMatchObject({ outcome: 'refused', statusCode: 400 });

    const calls = (await ngsp.received()).effects;
    const codes = new Set(calls.map((c) => c.serviceCode));
    expect(codes).toEqual(new Set(['VNPOST_ORDER_POST', 'VNPOST_ORDER_TRACKING', 'VNPOST_ORDER_CANCEL']));
    expect(calls.find((c) => c.serviceCode === 'VNPOST_ORDER_POST')).toMatchObject({ method: 'POST', upstreamStatus: 200 });
    expect((await carrier.received()).effects.map((o) => o.order.OrderNumber)).toContain(dossierCode);
  });
});
