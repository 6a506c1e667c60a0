import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GatewayProcess } from '../../chaos/gateway-process.ts';
import type { GatewayConfig } from '../../src/config/types.ts';
import { projectRoot } from '../../src/gateway.ts';
import type { SandboxInfo } from '../../src/sandbox/sandbox.ts';
import { runSample as runSampleIn } from '../helpers/run-script.ts';
import { parseSimpleYaml } from '../helpers/simple-yaml.ts';
import { until } from '../helpers/until.ts';

/**
 * docker-compose.yml played as processes on this machine (there is no docker here): config/compose.json and each
 * service's environment as the compose file gives them, with every compose host name (api, vnpay, ngsp, …) turned
 * into 127.0.0.1 and a free port, and Redis the tests' own. The api starts first (it makes the sandbox PKI), then
 * `npm run simulators`, then a worker sharing the api's sandbox folder, as compose orders them. The samples then
 * cross every wire: the portal, VNPAY and its callback, the population registry, VNPost through the NGSP.
 */
type Service = { environment?: Record<string, string>; command?: string[] };
const compose = parseSimpleYaml(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Every http://<compose host>:<port> → http://127.0.0.1:<a free port>, the same free port for the same address. */
const addresses = new Map<string, number>();
async function localAddress(hostAndPort: string): Promise<string> {
  if (!addresses.has(hostAndPort)) addresses.set(hostAndPort, await freePort());
  return `127.0.0.1:${addresses.get(hostAndPort)}`;
}
const composeHosts = new Set([...Object.keys(compose.services), ...((compose.services.simulators as { networks?: { default?: { aliases?: string[] } } }).networks?.default?.aliases ?? [])]);
async function rewrite<T>(value: T): Promise<T> {
  if (typeof value === 'string') {
    const match = /^(https?:\/\/)([a-z0-9-]+):(\d+)(.*)$/.exec(value);
    if (match && composeHosts.has(match[2]!)) return `${match[1]}${await localAddress(`${match[2]}:${match[3]}`)}${match[4]}` as T;
    if (value === 'redis://redis:6379') return inject('redisUrl') as T;
    return value;
  }
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => rewrite(v)))) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await rewrite(v);
    return out as T;
  }
  return value;
}

const dir = mkdtempSync(join(tmpdir(), 'gw-compose-'));
const sandboxDir = join(dir, 'sandbox');
let config: GatewayConfig & { http: { ops: { host: string; port: number } } };
let api: GatewayProcess;
let worker: GatewayProcess;
let simulators: ChildProcess;
let simulatorOutput = '';
let apiUrl: string;
let apiOpsUrl: string;

beforeAll(async () => {
  const fromCompose = JSON.parse(readFileSync(join(projectRoot, compose.services.api!.environment!.GATEWAY_CONFIG!), 'utf8')) as GatewayConfig & { http: { port: number; ops: { port: number } } };
  const rewritten = await rewrite(fromCompose);
  const apiPort = Number((await localAddress(`api:${fromCompose.http.port}`)).split(':')[1]);
  config = {
    ...rewritten,
    // Loopback here, not every interface of a shared machine.
    http: { ...rewritten.http, host: '127.0.0.1', port: apiPort, ops: { host: '127.0.0.1', port: await freePort() } },
    redis: { prefix: `compose${randomBytes(4).toString('hex')}` },
    sandbox: { ...rewritten.sandbox, dir: sandboxDir, simulatorHost: '127.0.0.1' },
    messageLog: { archive: { directory: join(dir, 'message-log') } },
  } as unknown as typeof config;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  apiOpsUrl = `http://127.0.0.1:${config.http.ops.port}`;
  const envOf = async (name: string) => rewrite({ ...compose.services[name]!.environment! }) as Promise<Record<string, string>>;

  // api: healthy (/health/ready, as compose's healthcheck asks) before the others start.
  const apiEnv = await envOf('api');
  api = GatewayProcess.start(config, { GATEWAY_ROLE: apiEnv.GATEWAY_ROLE!, REDIS_URL: apiEnv.REDIS_URL! });
  await until('the api to be ready', async () => (await request(`${apiUrl}/health/ready`).then((r) => (r.body.dump(), r.statusCode), () => 0)), (s) => s === 200, 40_000);

  // simulators: the compose command, as the process it runs.
  const simulatorEnv = await envOf('simulators');
  expect(compose.services.simulators!.command).toEqual(['npm', 'run', 'simulators']);
  const configFile = join(dir, 'compose-local.json');
  writeFileSync(configFile, JSON.stringify(config));
  simulators = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulators.ts'], {
    cwd: projectRoot,
    env: { ...process.env, ...simulatorEnv, GATEWAY_CONFIG: configFile, SIMULATOR_HOST: '127.0.0.1', SIMULATOR_GATEWAY_TRUST_DIR: join(sandboxDir, 'trust'), LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  simulators.stdout!.on('data', (d: Buffer) => (simulatorOutput += d.toString()));
  simulators.stderr!.on('data', (d: Buffer) => (simulatorOutput += d.toString()));
  await until('seven simulators listening (six systems and the NGSP)', async () => simulatorOutput.match(/simulator listening/g)?.length ?? 0, (n) => n >= 7, 30_000);

  // worker: its own ops port here (in compose each container has its own 9090), the api's sandbox folder.
  const workerEnv = await envOf('worker');
  const workerOps = await freePort();
  worker = GatewayProcess.start({ ...config, http: { ...config.http, ops: { host: '127.0.0.1', port: workerOps } } } as GatewayConfig, { GATEWAY_ROLE: workerEnv.GATEWAY_ROLE!, REDIS_URL: workerEnv.REDIS_URL! });
  await until('the worker to be live', async () => (await request(`http://127.0.0.1:${workerOps}/health/live`).then((r) => (r.body.dump(), r.statusCode), () => 0)), (s) => s === 200, 40_000);
}, 120_000);

afterAll(async () => {
  await worker?.kill('SIGTERM');
  if (simulators && simulators.exitCode === null) {
    await new Promise((done) => {
      simulators.once('exit', done);
      simulators.kill('SIGTERM');
    });
  }
  await api?.kill('SIGTERM');
});

const runSample = (name: string, args: string[] = []) => runSampleIn(join(sandboxDir, 'sandbox.json'), name, args, 45_000);

describe('the compose wiring, as processes', () => {
  it('starts each simulator at the address the config gives its system', () => {
    const listening = simulatorOutput
      .split('\n')
      .filter((l) => l.includes('simulator listening'))
      .map((l) => JSON.parse(l) as { system: string; url: string });
    const expected: Record<string, string | undefined> = {
      'national-portal': config.destinations['national-portal']!.baseUrl,
      'provincial-system': config.destinations['provincial-system']!.baseUrl,
      vnpost: config.destinations.vnpost!.baseUrl,
      'platform:ngsp': config.destinations.vnpost!.transport?.baseUrl,
      vnpay: config.payments.providers.vnpay!.baseUrl,
      paygov: config.payments.providers.paygov!.baseUrl,
      population: config.registries.population!.baseUrl,
    };
    expect(Object.fromEntries(listening.map((l) => [l.system, l.url]))).toEqual(expected);
  });

  it('points the sandbox file at the api (the worker, sharing the folder, leaves it alone), admin at the ops listener', () => {
    const info = JSON.parse(readFileSync(join(sandboxDir, 'sandbox.json'), 'utf8')) as SandboxInfo;
    expect(info.gatewayUrl).toBe(apiUrl);
    expect(info.adminUrl).toBe(apiOpsUrl);
  });

  it('serves partners on the api port and operators (admin, metrics) only on the ops listener', async () => {
    const status = async (url: string) => request(url).then((r) => (r.body.dump(), r.statusCode));
    expect(await status(`${apiUrl}/metrics`)).toBe(404);
    expect(await status(`${apiUrl}/admin/api/queues`)).toBe(404);
    expect(await status(`${apiUrl}/health/ready`)).toBe(200);
    expect(await status(`${apiOpsUrl}/metrics`)).toBe(200);
    expect(await status(`${apiOpsUrl}/admin/api/queues`)).toBe(401);
    expect(await status(`${apiOpsUrl}/v1/messages/x`)).toBe(404);
  });

  it('delivers a status update to the portal simulator', async () => {
    const { code, output } = await runSample('sample-status');
    expect(code, output).toBe(0);
    expect(output).toMatch(/state: 'delivered'/);
    expect(output).toMatch(/applied for \S+ \(DongBoHoSoMC → CapNhatTienDoHoSoMC\)/);
  });

  it('pays through the VNPAY simulator, whose callback reaches the api', async () => {
    const { code, output } = await runSample('sample-payment');
    expect(code, output).toBe(0);
    expect(output).toMatch(/→ HTTP 201/);
    expect(output).toMatch(/status: 'paid'/);
  });

  it('checks a citizen at the population registry simulator', async () => {
    const { code, output } = await runSample('sample-citizen');
    expect(code, output).toBe(0);
    expect(output).toMatch(/match: true/);
  });

  it('follows a shipment at VNPost through the NGSP simulator', async () => {
    const { code, output } = await runSample('sample-postal');
    expect(code, output).toBe(0);
    expect(output).toMatch(/'postal\.tracking\.v1 delivered'/);
  });
});
