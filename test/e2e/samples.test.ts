import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../../chaos/gateway-process.ts';
import { runSample as runSampleIn, startSandboxGateway } from '../helpers/run-script.ts';

/**
 * The README's quick start, as a person runs it: `npm start` (embedded redis-server, sandbox simulators), then the
 * sample scripts against it. Each sample must end with the message where the README says it ends.
 */
let gateway: GatewayProcess;
let infoFile: string;
beforeAll(async () => {
  ({ gateway, infoFile } = await startSandboxGateway('samples'));
  expect(existsSync(infoFile)).toBe(true);
}, 40_000);
afterAll(() => gateway?.kill('SIGTERM'));

/** Runs `tsx scripts/<name>.ts args` against the sandbox; resolves with its exit code and output. */
const runSample = (name: string, args: string[] = []) => runSampleIn(infoFile, name, args, 30_000);

describe('npm run sample:status', () => {
  it.each([
    ['v1 JSON', []],
    ['v1 XML', ['--xml']],
    ['v2 JSON', ['--v2']],
    ['v2 XML', ['--v2', '--xml']],
  ])('%s reaches the portal simulator: the dossier synced, then its progress', async (_label, args) => {
    const { code, output } = await runSample('sample-status', args);
    expect(code, output).toBe(0);
    expect(output).toMatch(/→ HTTP 202/);
    expect(output).toMatch(/state: 'delivered'/);
    expect(output).toMatch(/applied for \S+ \(DongBoHoSoMC → CapNhatTienDoHoSoMC\)/);
  });
});

describe('npm run sample:submission', () => {
  it('hands dossiers filed at the portal to the province and sends the portal its receipts', async () => {
    const { code, output } = await runSample('sample-submission', ['--count', '2']);
    expect(code, output).toBe(0);
    expect(output.match(/TrangThaiNhan: 'DA_NHAN'/g)).toHaveLength(2);
  });
});

describe('npm run sample:payment', () => {
  it.each([
    ['VNPAY', []],
    ['the payment platform (paygov)', ['--provider', 'paygov']],
  ])('through %s: created, paid at the simulated bank, confirmed', async (_label, args) => {
    const { code, output } = await runSample('sample-payment', args);
    expect(code, output).toBe(0);
    expect(output).toMatch(/→ HTTP 201/);
    expect(output).toMatch(/status: 'paid'/);
  });
});

describe('npm run sample:citizen', () => {
  it('checks a synthetic citizen in the registry simulator and gets a match', async () => {
    const { code, output } = await runSample('sample-citizen');
    expect(code, output).toBe(0);
    expect(output).toMatch(/match: true/);
  });
});

describe('npm run sample:postal', () => {
  it('follows a shipment through the NGSP from order to delivery, as the province hears it', async () => {
    const { code, output } = await runSample('sample-postal');
    expect(code, output).toBe(0);
    expect(output).toMatch(/delivered {2}order/);
    expect(output).toMatch(/'postal\.tracking\.v1 delivered'/);
  });
});
