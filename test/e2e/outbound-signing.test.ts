import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.ts';
import { startGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { readCmsSigner } from '../../src/signatures/outbound-signer.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { gatewayIdentity, PortalSimulator, portalOptions, testConfig } from '../helpers/test-gateway.ts';

let portal: PortalSimulator;
let token: string;
beforeAll(async () => {
  portal = await PortalSimulator.start();
  const basic = Buffer.from(`${portalOptions.clientId}:${portalOptions.clientSecret}`).toString('base64');
  const res = await request(`${portal.url}/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  token = ((await res.body.json()) as { access_token: string }).access_token;
});
afterAll(() => portal.close());

const payload = Buffer.from(
  JSON.stringify({ madonvi: '000.00.01.H22', service: 'CapNhatTienDoHoSoMC', isUpdating: 'True', data: [{ MaHoSo: 'A-1', MaTTHC: 'T-1', TrangThaiHoSo: '4', ThoiDiemXuLy: '20261123091500', KenhThucHien: '2' }] }),
);

async function post(body: Buffer, signature?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${Math.random()}` };
  if (signature) headers['x-signature'] = signature;
  const res = await request(`${portal.url}/api/hoso/capnhattiendo`, { method: 'POST', headers, body });
  return { statusCode: res.statusCode, body: (await res.body.json()) as { error_code: string; message: string } };
}

const gatewaySigner = () => readCmsSigner(gatewayIdentity().signing);

describe('the portal simulator checks the gateway\'s signature', () => {
  it('accepts a body signed by the gateway', async () => {
    expect(await post(payload, signCms(payload, gatewaySigner()))).toMatchObject({ statusCode: 200, body: { error_code: '00' } });
  });
  it('refuses an unsigned delivery', async () => {
    expect(await post(payload)).toMatchObject({ statusCode: 400, body: { error_code: '03' } });
  });
  it('refuses a delivery altered after signing', async () => {
    const tampered = Buffer.from(payload.toString().replace('"4"', '"10"'));
    const res = await post(tampered, signCms(payload, gatewaySigner()));
    expect(res).toMatchObject({ statusCode: 400, body: { error_code: '03' } });
    expect(res.body.message).toMatch(/altered/);
  });
  it('refuses a body signed by someone the portal does not trust', async () => {
    expect(await post(payload, signCms(payload, createTestPki().defaultSigner))).toMatchObject({ statusCode: 400, body: { error_code: '03' } });
  });
});

it('a worker without a signing identity refuses to start, naming the setting', async () => {
  const config = testConfig(createTestPki(), portal.url, 'k', { role: 'worker' });
  delete config.signing;
  await expect(startGateway(config, createLogger('silent'))).rejects.toThrowError(ConfigError);
  await expect(startGateway(config, createLogger('silent'))).rejects.toThrowError(/\/signing is required/);
});
