/**
 * One benchmark target in its own process (so the load generator does not share its event loop).
 * Usage: tsx bench/bench-server.ts <scenario> <config.json>; prints "READY <url>".
 *   hello        fastify hello-world
 *   bare         a route that only does queue.add (the floor under ingest)
 *   bare-verify  the bare route after verifying the request's CMS signature (the floor under a verifying ingest)
 *   gateway      the gateway, in the role its config names
 *   bare-worker  a BullMQ worker that POSTs each job's progress record to the portal simulator (the floor under delivery;
 *                with `intentBeforeCall`, one durable write before each POST: the floor under ordered delivery)
 *   portal       the national portal simulator (signatures not checked: the receiver's cost is the same for every row)
 */
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import Fastify, { type FastifyReply } from 'fastify';
import { Pool } from 'undici';
import { buildNationalPortalSimulator } from '../connectors/national-portal/simulator.ts';
import type { GatewayConfig } from '../src/config/types.ts';
import { startGateway } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createProducerConnection, createWorkerConnection } from '../src/redis/connections.ts';
import { TrustStore } from '../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../src/signatures/verify-cms-signature.ts';

const [scenario, configFile] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configFile!, 'utf8')) as GatewayConfig & { bench?: BareWorkerSettings };

/** What the bare worker needs beyond a gateway config: where the portal is and how to log in. */
export interface BareWorkerSettings {
  portalUrl: string;
  portal: { authEndpoint: string; integrationEndpoint: string; username: string; password: string; dstcode: string; madonvi: string };
  queueName: string;
  concurrency: number;
  /**
   * Before each POST, one durable write (a SET acknowledged by Redis, so fsynced under AOF always) of the call's
   * intent: the least that keeping a dossier's updates in order across a lost answer costs (the gateway's claim writes
   * such an intent, with its lock, before every call). Makes the bare worker the floor under ordered delivery.
   */
  intentBeforeCall?: boolean;
}

/** The floor under delivery: one session, then for each job one undici POST of its record; nothing else. */
async function bareWorker(settings: BareWorkerSettings): Promise<string> {
  const { portal } = settings;
  const pool = new Pool(settings.portalUrl, { connections: settings.concurrency * 2 });
  const post = async (path: string, body: object) => {
    const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', dstcode: portal.dstcode }, body: JSON.stringify(body) });
    const answer = (await res.body.json()) as { error_code: number | string; session?: string; message?: string };
    if (res.statusCode !== 200 || Number(answer.error_code) !== 0) throw new Error(`portal answered ${res.statusCode} ${answer.message}`);
    return answer;
  };
  const { session } = await post(portal.authEndpoint, { username: portal.username, password: portal.password });
  const intents = settings.intentBeforeCall ? createProducerConnection(config.redis) : undefined;
  const worker = new Worker(
    settings.queueName,
    async (job) => {
      if (intents) await intents.set(`${config.redis.prefix}:intent:{${job.data.record.MaHoSo}}`, String(Date.now()), 'PX', 60_000);
      await post(portal.integrationEndpoint, { session, madonvi: portal.madonvi, service: 'CapNhatTienDoHoSoMC', data: [job.data.record] });
    },
    { connection: createWorkerConnection(config.redis), prefix: config.redis.prefix, concurrency: settings.concurrency },
  );
  await worker.waitUntilReady();
  return settings.portalUrl;
}

async function main(): Promise<string> {
  if (scenario === 'gateway') {
    const gateway = await startGateway(config, createLogger(config.log.level));
    return gateway.url!;
  }
  if (scenario === 'bare-worker') return bareWorker(config.bench!);
  if (scenario === 'portal') {
    const portal = buildNationalPortalSimulator({ ...config.bench!.portal, feedStart: 0 });
    return portal.listen({ host: '127.0.0.1', port: 0 });
  }
  const app = Fastify({ logger: false });
  if (scenario === 'hello') {
    app.post('/v1/dossiers/status', async () => ({ hello: 'world' }));
  } else {
    // The floor under the gateway: the same body, straight into the same kind of queue.
    const queue = new Queue('bench-bare', { connection: createProducerConnection(config.redis), prefix: config.redis.prefix });
    const enqueue = async (reply: FastifyReply, document: object) => {
      const job = await queue.add('bare', document);
      return reply.code(202).send({ messageId: job.id, status: 'queued' });
    };
    if (scenario === 'bare-verify') {
      // Plus the one check no design can skip: the partner's CMS signature verified over the exact bytes (the
      // gateway's own verifier, its chain cache warm).
      const trust = { trustStore: new TrustStore(config.trust.directories), chainCache: new VerifiedChainCache(600_000) };
      app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      app.post('/v1/dossiers/status', async (request, reply) => {
        const raw = request.body as Buffer;
        await verifyCmsSignature(String(request.headers['x-signature']), raw, trust);
        return enqueue(reply, JSON.parse(raw.toString()) as object);
      });
    } else {
      app.post('/v1/dossiers/status', async (request, reply) => enqueue(reply, request.body as object));
    }
  }
  return app.listen({ host: '127.0.0.1', port: 0 });
}

main().then((url) => process.stdout.write(`READY ${url}\n`), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

// Exit through process.exit so --cpu-prof and similar flags can write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
