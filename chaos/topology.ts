import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../src/config/types.ts';
import { queueNameFor } from '../src/queues/destination-queues.ts';
import { createWorkerConnection, type RedisClient } from '../src/redis/connections.ts';
import { EmbeddedRedis } from '../src/redis/embedded-redis.ts';
import { queuePrefix } from '../src/redis/key-space.ts';
import { startSentinelTopology, type SentinelTopology } from '../test/helpers/redis-topology.ts';
import { loadTestGatewayConfig, writeSigningIdentity } from '../test/helpers/load-test-gateway.ts';
import { createTestPki, type TestPki } from '../test/helpers/test-pki.ts';
import { buildNationalPortalSimulator } from '../connectors/national-portal/simulator.ts';
import { GatewayProcess } from './gateway-process.ts';
import { OutageLink } from './outage-link.ts';

export const agencyCode = '000.00.01.H22';
const portalOptions = { authEndpoint: '/api/auth', integrationEndpoint: '/api/integration', username: 'chaos', password: 'chaos-password', dstcode: 'CHAOS', madonvi: '000.00.00.H22' };

export interface TopologyOptions {
  apis: number;
  workers: number;
  /** Retry and breaker settings: production's, or compressed for a smoke run. */
  compressed: boolean;
  /**
   * `single`: one redis-server (AOF always), killed and restarted from its AOF. `sentinel`: a primary, a replica and
   * three sentinels, the gateway on `redis.sentinel` with `minReplicasAcked: 1` (a 202 only once the replica has it).
   */
  redis: 'single' | 'sentinel';
}

/**
 * What a chaos run stands on: one Redis (AOF always, as shipped), the portal simulator behind a link that can be
 * cut, and real gateway processes (`tsx src/main.ts`) in api and worker roles, each of which can be killed -9 and
 * started again. Everything started here is stopped by close(), also when a run fails.
 */
export class Topology {
  readonly apis: Array<{ process: GatewayProcess; url: string }> = [];
  readonly workers: GatewayProcess[] = [];
  readonly apiKey = `chaos_${randomBytes(12).toString('hex')}`;
  readonly pki: TestPki = createTestPki('Chaos Province Signer');
  private readonly dir = mkdtempSync(join(tmpdir(), 'gw-chaos-'));
  readonly redis = new EmbeddedRedis({ dir: join(this.dir, 'redis'), port: 0, appendfsync: 'always' });
  sentinel?: SentinelTopology;
  portal!: FastifyInstance;
  portalUrl = '';
  link!: OutageLink;
  config!: GatewayConfig;
  private reader?: RedisClient;
  queue!: Queue;

  constructor(private readonly options: TopologyOptions) {}

  async start(): Promise<void> {
    const redisConfig =
      this.options.redis === 'sentinel'
        ? { sentinel: (this.sentinel = await startSentinelTopology()).sentinel, minReplicasAcked: 1, prefix: 'chaos' }
        : { url: await this.redis.start(), prefix: 'chaos' };
    const identity = writeSigningIdentity(this.dir, 'Chaos Gateway');
    this.portal = buildNationalPortalSimulator({ ...portalOptions, gatewayTrustDir: identity.trustDir, feedStart: 0 });
    this.portalUrl = await this.portal.listen({ host: '127.0.0.1', port: 0 });
    this.link = await OutageLink.start(this.portalUrl);
    const compressed = this.options.compressed;
    this.config = loadTestGatewayConfig({
      redis: redisConfig,
      signing: identity.signing,
      partner: { id: 'chaos', name: 'Chaos partner', apiKey: this.apiKey, pki: this.pki, agencyCode, rateLimitMax: 1_000_000 },
      portal: {
        url: this.link.url,
        options: portalOptions,
        settings: { timeoutMs: 2000, ...(compressed ? { retry: { maxAgeMs: 600_000, baseDelayMs: 50, maxDelayMs: 2000 }, circuitBreaker: { failureThreshold: 5, openMs: 500 } } : {}) },
      },
    });
    this.reader = createWorkerConnection(this.config.redis);
    this.reader.on('error', () => {}); // Redis is killed on purpose
    this.queue = new Queue(queueNameFor('national-portal'), { connection: this.reader, prefix: queuePrefix(this.config.redis, 'national-portal') });
    this.queue.on('error', () => {});
    await Promise.all([
      ...Array.from({ length: this.options.apis }, (_, i) => this.startApi(i)),
      ...Array.from({ length: this.options.workers }, (_, i) => this.startWorker(i)),
    ]);
  }

  async startApi(index: number): Promise<void> {
    const process = GatewayProcess.start({ ...this.config, role: 'api' });
    await process.waitForOutput(/listening on http:\/\/\S+/, 60_000);
    this.apis[index] = { process, url: /listening on (http:\/\/\S+)/.exec(process.output)![1]! };
  }

  async startWorker(index: number): Promise<void> {
    const process = GatewayProcess.start({ ...this.config, role: 'worker' });
    this.workers[index] = process;
    await process.waitForOutput(/Gateway \(worker\)/, 60_000);
  }

  async killApi(index: number): Promise<void> {
    await this.apis[index]!.process.kill('SIGKILL');
  }

  async killWorker(index: number): Promise<void> {
    await this.workers[index]!.kill('SIGKILL');
  }

  /** Jobs not finished yet (waiting, active, delayed, prioritized) and dead letters. */
  async pending(): Promise<{ unfinished: number; dead: number }> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
    return { unfinished: counts.waiting! + counts.active! + counts.delayed! + counts.prioritized!, dead: counts.failed! };
  }

  async portalEffects(): Promise<Array<{ service: string; payload: { data?: Array<Record<string, unknown>> } }>> {
    const res = await this.portal.inject({ method: 'GET', url: '/_sim/received' });
    return (res.json() as { effects: Array<{ service: string; payload: { data?: Array<Record<string, unknown>> } }> }).effects;
  }

  async setPortalFaults(faults: Record<string, unknown>): Promise<void> {
    await this.portal.inject({ method: 'POST', url: '/_sim/faults', payload: faults });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.apis.map((a) => a.process.kill('SIGTERM')), ...this.workers.map((w) => w.kill('SIGTERM'))]);
    await Promise.allSettled([...this.apis.map((a) => a.process.kill('SIGKILL')), ...this.workers.map((w) => w.kill('SIGKILL'))]);
    await this.queue?.close().catch(() => {});
    this.reader?.disconnect();
    await this.link?.close().catch(() => {});
    await this.portal?.close().catch(() => {});
    await this.redis.stop().catch(() => {});
    await this.sentinel?.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
