import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { inject } from 'vitest';
import { deepMerge, loadConfig } from '../../src/config/load-config.ts';
import type { GatewayConfig, Role } from '../../src/config/types.ts';
import { startGateway, projectRoot, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { AttemptRecord } from '../../src/messages/envelope.ts';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { signCms, type CmsSigner, type SignCmsOptions } from '../../src/signatures/sign-cms.ts';
import { buildNationalPortalSimulator, type ReceivedPortalCall } from '../../connectors/national-portal/simulator.ts';
import { buildProvincialSimulator, type ReceivedEvent } from '../../connectors/provincial-system/simulator.ts';
import type { SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import type { FastifyInstance } from 'fastify';
import { createTestPki, type TestPki } from './test-pki.ts';

export const agencyCode = '000.00.01.H22';

/**
 * The gateway's own signing identity in tests: one CA and certificate per test process, apart from the
 * partners' PKI. Every portal simulator trusts this CA and refuses unsigned or tampered deliveries.
 */
let identity: { trustDir: string; signing: { certificate: string; privateKey: string; chain: string[] }; subject: string } | undefined;
export function gatewayIdentity() {
  if (!identity) {
    const pki = createTestPki('Test Gateway');
    const dir = mkdtempSync(join(tmpdir(), 'gw-identity-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    identity = {
      trustDir: pki.trustDir,
      signing: { certificate: write('gateway.pem', pki.signer.certificatePem), privateKey: write('gateway.key', pki.signer.privateKeyPem), chain: [write('gateway-ca.pem', pki.intermediate.certificatePem)] },
      subject: new X509Certificate(pki.signer.certificatePem).subject,
    };
  }
  return identity;
}
/** The portal destination's options in test gateways and the simulator (names as in the public client's config). */
export const portalOptions = {
  authEndpoint: '/api/auth',
  integrationEndpoint: '/api/integration',
  username: 'test-province',
  password: 'test-password',
  dstcode: 'TEST-DST',
  madonvi: '000.00.00.H22',
};

/** Everything a test needs to talk to a real gateway on a real Redis, with the portal simulator behind it. */
export interface TestGateway {
  gateway: Gateway;
  config: GatewayConfig;
  url: string;
  apiKey: string;
  pki: TestPki;
  portal: PortalSimulator;
  /** Every log line the gateway wrote, for PII checks. */
  logs: string[];
  send(options?: SendOptions): Promise<{ statusCode: number; body: any; headers: Record<string, unknown> }>;
  status(messageId: string): Promise<MessageView>;
  waitForState(messageId: string, states: string[], timeoutMs?: number): Promise<MessageView>;
  jobCounts(): Promise<Record<string, number>>;
  /** Waits until no destination queue has anything waiting, active or delayed, so one test's deliveries cannot consume the next one's faults. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface MessageView {
  state: string;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  nextAttemptAt: string | null;
  history: AttemptRecord[];
  [key: string]: unknown;
}

export interface SendOptions {
  doc?: Record<string, unknown>;
  /** Exact body bytes (overrides doc). */
  raw?: string | Buffer;
  contentType?: string;
  /** null removes the header; a string replaces it. */
  apiKey?: string | null;
  timestamp?: string | null;
  /** null sends no X-Signature; a string is sent as is. */
  signature?: string | null;
  signer?: CmsSigner;
  signOptions?: SignCmsOptions;
  headers?: Record<string, string>;
  /** Where to send it; default /v1/dossiers/status. */
  path?: string;
}

let sequence = 0;
/** A valid dossier status update; each call gets its own dossier code unless one is given. */
export function statusUpdate(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    dossierCode: `${agencyCode}-261123-${process.pid}${sequence}${randomBytes(2).toString('hex')}`,
    procedureCode: '1.001612.000.00.00.H22',
    agencyCode,
    status: 4,
    statusTime: '2026-11-23T09:15:00+07:00',
    channel: 'online',
    note: 'Chuyển phòng chuyên môn',
    applicant: { fullName: 'Trần Thị Bích Ngọc', personalId: '079188004321' },
    ...overrides,
  };
}

/** Talks to any simulator built on the simulator kit: what it received, its faults, a reset. */
export class SimulatorClient<Effect, Stats = Record<string, number>> {
  constructor(
    readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  async received(): Promise<{ effects: Effect[]; stats: Stats }> {
    return (await request(`${this.url}/_sim/received`)).body.json() as any;
  }

  async faults(faults: SimulatorFaults): Promise<void> {
    await request(`${this.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
  }

  async reset(): Promise<void> {
    await request(`${this.url}/_sim/reset`, { method: 'POST' });
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

export class PortalSimulator extends SimulatorClient<ReceivedPortalCall, { logins: number; calls: number; lookups: number; refused: number }> {
  static async start(): Promise<PortalSimulator> {
    const app = buildNationalPortalSimulator({ ...portalOptions, gatewayTrustDir: gatewayIdentity().trustDir, feedStart: 0 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return new PortalSimulator(app, url);
  }

  /**
   * Every call that changed the portal about this dossier, in order: DongBoHoSoMC, CapNhatTienDoHoSoMC, payment,
   * receipt. A call whose list carried several dossiers appears here with this dossier's records only.
   */
  async effectsFor(dossierCode: string): Promise<ReceivedPortalCall[]> {
    const { effects } = await this.received();
    return effects.flatMap((e) => {
      const items = (e.payload.data as Array<{ MaHoSo: string }> | undefined)?.filter((item) => item.MaHoSo === dossierCode) ?? [];
      return items.length ? [{ ...e, payload: { ...e.payload, data: items } }] : [];
    });
  }

  /** Every progress record the portal applied (one per delivered status message), of every dossier, however they were grouped in calls. */
  async progressRecords(): Promise<Array<Record<string, string>>> {
    const { effects } = await this.received();
    return effects.filter((e) => e.service === 'CapNhatTienDoHoSoMC').flatMap((e) => e.payload.data as Array<Record<string, string>>);
  }

  /** The progress updates (CapNhatTienDoHoSoMC) the portal applied for this dossier: one per delivered status message. */
  async progressFor(dossierCode: string): Promise<ReceivedPortalCall[]> {
    return (await this.effectsFor(dossierCode)).filter((e) => e.service === 'CapNhatTienDoHoSoMC');
  }

  /** The portal's copy of a dossier (after DongBoHoSoMC and progress), or undefined when it never got it. */
  async dossier(dossierCode: string): Promise<{ record: Record<string, unknown>; progress: Array<Record<string, unknown>> } | undefined> {
    const res = await request(`${this.url}/_sim/dossiers/${encodeURIComponent(dossierCode)}`);
    return res.statusCode === 404 ? (await res.body.dump(), undefined) : ((await res.body.json()) as any);
  }

  /** The portal no longer has this dossier (its progress and record gone); what it received stays in `received()`. */
  async forget(dossierCode: string): Promise<void> {
    const res = await request(`${this.url}/_sim/dossiers/${encodeURIComponent(dossierCode)}`, { method: 'DELETE' });
    const { forgotten } = (await res.body.json()) as { forgotten: boolean };
    if (!forgotten) throw new Error(`the portal simulator never had ${dossierCode}`);
  }

  async expireSessions(): Promise<void> {
    await request(`${this.url}/_sim/sessions/expire`, { method: 'POST' });
  }
}

export const provincialOptions = { apiKey: 'test-province-events-key' };

export class ProvincialSimulator extends SimulatorClient<ReceivedEvent> {
  static async start(): Promise<ProvincialSimulator> {
    const app = buildProvincialSimulator({ ...provincialOptions, gatewayTrustDir: gatewayIdentity().trustDir });
    return new ProvincialSimulator(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  }

  async eventsFor(dossierCode: string): Promise<ReceivedEvent[]> {
    return (await this.received()).effects.filter((e) => e.event.dossierCode === dossierCode);
  }
}

export interface TestGatewayOptions {
  role?: Role;
  overrides?: Record<string, unknown>;
  pki?: TestPki;
  portal?: PortalSimulator;
  redisUrl?: string;
  /** How to reach Redis instead of a URL, e.g. `{sentinel: …}`. */
  redis?: Partial<GatewayConfig['redis']>;
  prefix?: string;
  /** Where the other systems live; unset ones point at a closed port (nothing in the test uses them). */
  provincialUrl?: string;
  bankUrl?: string;
  registryUrl?: string;
  carrierUrl?: string;
  /** The level of the gateway's logger (its lines land in `logs`); info unless a test reads debug lines. */
  logLevel?: string;
}

/** Credentials of the postal carrier in test gateways and its simulator. */
export const carrierOptions = { consumerKey: 'test-consumer', consumerSecret: 'test-consumer-secret', customerCode: 'TESTHCC', trackingPollIntervalMs: 100 };

export { lgspWrappedRegistryOptions, registryOptions } from './registry-options.ts';
import { registryOptions } from './registry-options.ts';

/** Payment provider credentials of test gateways and the bank simulators they talk to. */
export const bankOptions = { tmnCode: 'TESTTMN1', hashSecret: 'test-hash-secret-0123456789' };
const unusedUrl = 'http://127.0.0.1:9';

/** Config for a test gateway: its own key prefix, fast retries, the simulator as the portal, one partner. */
export function testConfig(pki: TestPki, portalUrl: string, apiKey: string, options: TestGatewayOptions = {}): GatewayConfig {
  const base = {
    role: options.role ?? 'all',
    http: { host: '127.0.0.1', port: 0 },
    redis: { ...(options.redis ?? { url: options.redisUrl ?? inject('redisUrl') }), prefix: options.prefix ?? `t${randomBytes(5).toString('hex')}` },
    log: { level: 'info' },
    trust: { directories: [pki.trustDir] },
    signing: gatewayIdentity().signing,
    destinations: {
      'national-portal': {
        baseUrl: portalUrl,
        options: portalOptions,
        timeoutMs: 2000,
        retry: { maxAgeMs: 3000, baseDelayMs: 50, maxDelayMs: 400 },
        circuitBreaker: { failureThreshold: 100, openMs: 1000 },
      },
      vnpost: {
        baseUrl: options.carrierUrl ?? unusedUrl,
        transport: null, // the sandbox default goes through the NGSP; tests reach the carrier directly unless they say otherwise
        options: carrierOptions,
        timeoutMs: 2000,
        retry: { maxAgeMs: 3000, baseDelayMs: 50, maxDelayMs: 400 },
        circuitBreaker: { failureThreshold: 100, openMs: 1000 },
      },
      'provincial-system': {
        baseUrl: options.provincialUrl ?? unusedUrl,
        options: provincialOptions,
        timeoutMs: 2000,
        retry: { maxAgeMs: 3000, baseDelayMs: 50, maxDelayMs: 400 },
        circuitBreaker: { failureThreshold: 100, openMs: 1000 },
      },
    },
    payments: {
      graceMs: 0,
      checkIntervalMs: 200,
      providers: { vnpay: { baseUrl: options.bankUrl ?? unusedUrl, options: bankOptions, paymentTtlMs: 60_000 }, paygov: { baseUrl: unusedUrl } },
    },
    registries: { population: { baseUrl: options.registryUrl ?? unusedUrl, options: registryOptions, timeoutMs: 1000 } },
    // The submission poller is off unless a test turns it on: its token requests would blur the portal's counters.
    submissions: { source: null },
    partners: {
      'province-a': {
        name: 'Province A one-stop system',
        apiKeyHashes: [hashApiKey(apiKey)],
        agencies: [agencyCode],
        certificates: [{ fingerprint256: new X509Certificate(pki.signer.certificatePem).fingerprint256 }],
        rateLimit: { max: 1000, timeWindowMs: 1000 },
      },
    },
  };
  return loadConfig({ rootDir: projectRoot, env: {}, overrides: deepMerge(base, options.overrides ?? {}) });
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const pki = options.pki ?? createTestPki();
  const portal = options.portal ?? (await PortalSimulator.start());
  const apiKey = `test_${randomBytes(12).toString('hex')}`;
  const config = testConfig(pki, portal.url, apiKey, options);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const gateway = await startGateway(config, createLogger(options.logLevel ?? 'info', sink));
  const url = gateway.url ?? '';

  const send: TestGateway['send'] = async (o = {}) => {
    const body = o.raw !== undefined ? Buffer.from(o.raw) : Buffer.from(JSON.stringify(o.doc ?? statusUpdate()));
    const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/json', ...o.headers };
    if (o.apiKey !== null) headers.authorization = `Bearer ${o.apiKey ?? apiKey}`;
    if (o.timestamp !== null) headers['x-timestamp'] = o.timestamp ?? new Date().toISOString();
    if (o.signature !== null) headers['x-signature'] = o.signature ?? signCms(body, o.signer ?? pki.defaultSigner, o.signOptions);
    const res = await request(`${url}${o.path ?? '/v1/dossiers/status'}`, { method: 'POST', headers, body });
    const text = await res.body.text();
    return { statusCode: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  const status = async (messageId: string) => {
    const res = await request(`${url}/v1/messages/${messageId}`, { headers: { authorization: `Bearer ${apiKey}` } });
    return (await res.body.json()) as MessageView;
  };

  const waitForState = async (messageId: string, states: string[], timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: MessageView | undefined;
    while (Date.now() < deadline) {
      last = await status(messageId);
      if (states.includes(last.state)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`message ${messageId} did not reach ${states.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  };

  const jobCounts = () => gateway.queues.get('national-portal').getJobCounts();

  /** Pending work in every destination queue, not only the portal's: produced messages go to several. */
  const pendingJobs = async () => {
    const counts = await Promise.all(gateway.queues.all().map(([, queue]) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
    return counts.reduce((sum, c) => sum + totalJobs(c), 0);
  };
  const drain = async (timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await pendingJobs()) === 0) return;
      if (Date.now() > deadline) throw new Error(`queues did not drain: ${await pendingJobs()} jobs pending`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    gateway,
    config,
    url,
    apiKey,
    pki,
    portal,
    logs,
    send,
    status,
    waitForState,
    jobCounts,
    drain,
    close: async () => {
      await gateway.close();
      if (!options.portal) await portal.close();
    },
  };
}

/** Sums every state of a job-count map: "nothing queued" means this is zero. */
export const totalJobs = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** POSTs a signed status update to any gateway URL (e.g. one running as a child process). */
export async function postSignedStatus(url: string, apiKey: string, signer: CmsSigner, doc: Record<string, unknown> = statusUpdate()) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await request(`${url}/v1/dossiers/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signCms(body, signer) },
    body,
  });
  return { statusCode: res.statusCode, body: (await res.body.json()) as { messageId?: string; error?: string } };
}

/** Calls /admin/api with an admin token. */
export async function adminCall(t: TestGateway, token: string | null, method: 'GET' | 'POST', path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${t.url}/admin/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  return { statusCode: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

export const adminTokens = { viewer: 'viewer-token-0123456789', operator: 'operator-token-0123456789' };
export const adminConfig = {
  'it-viewer': { tokenHashes: [hashApiKey(adminTokens.viewer)], role: 'viewer' },
  'it-operator': { tokenHashes: [hashApiKey(adminTokens.operator)], role: 'operator' },
};

/** Sends a message the portal refuses with `status` on every try, and returns it once it is a dead letter. */
export async function makeDeadLetter(t: TestGateway, status: number, doc: Record<string, unknown> = statusUpdate()): Promise<string> {
  await t.portal.faults({ failNext: 100_000, status }); // every attempt within the retry budget fails
  const messageId = (await t.send({ doc })).body.messageId as string;
  await t.waitForState(messageId, ['dead']);
  await t.portal.faults({});
  return messageId;
}
