import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.ts';
import { startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { readCmsSigner } from '../../src/signatures/outbound-signer.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { gatewayIdentity, PortalSimulator, ProvincialSimulator, provincialOptions, testConfig } from '../helpers/test-gateway.ts';

let portal: PortalSimulator;
let province: ProvincialSimulator;
beforeAll(async () => {
  portal = await PortalSimulator.start();
  province = await ProvincialSimulator.start();
});
afterAll(async () => {
  await portal.close();
  await province.close();
});

// The province's own event endpoint checks the gateway's signature (the national portal's public client signs
// nothing, so its simulator only records a signer when one is sent).
const payload = Buffer.from(JSON.stringify({ eventId: 'e-1', type: 'payment.result.v1', dossierCode: 'A-1', agencyCode: '000.00.01.H22', occurredAt: '2026-11-23T02:15:00.000Z', data: { status: 'paid' } }));

async function post(body: Buffer, signature?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${provincialOptions.apiKey}`, 'content-type': 'application/json', 'idempotency-key': `k-${Math.random()}` };
  if (signature) headers['x-signature'] = signature;
  const res = await request(`${province.url}/gateway/events`, { method: 'POST', headers, body });
  return { statusCode: res.statusCode, body: (await res.body.json()) as { status?: string; error?: string } };
}

const gatewaySigner = () => readCmsSigner(gatewayIdentity().signing);

describe("the province's simulator checks the gateway's signature", () => {
  it('accepts a body signed by the gateway', async () => {
    expect(await post(payload, signCms(payload, gatewaySigner()))).toMatchObject({ statusCode: 200, body: { status: 'applied' } });
  });
  it('refuses an unsigned delivery', async () => {
    expect(await post(payload)).toMatchObject({ statusCode: 400, body: { error: expect.stringMatching(/signature refused/) } });
  });
  it('refuses a delivery altered after signing', async () => {
    const tampered = Buffer.from(payload.toString().replace('"paid"', '"failed"'));
    const res = await post(tampered, signCms(payload, gatewaySigner()));
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatch(/altered/);
  });
  it('refuses a body signed by someone it does not trust', async () => {
    expect(await post(payload, signCms(payload, createTestPki().defaultSigner))).toMatchObject({ statusCode: 400, body: { error: expect.stringMatching(/signature refused/) } });
  });
});

it('a worker without a signing identity refuses to start, naming the setting', async () => {
  const config = testConfig(createTestPki(), portal.url, 'k', { role: 'worker' });
  delete config.signing;
  await expect(startGateway(config, createLogger('silent'))).rejects.toThrowError(ConfigError);
  await expect(startGateway(config, createLogger('silent'))).rejects.toThrowError(/\/signing is required/);
});
