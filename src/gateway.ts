import type { FastifyInstance } from 'fastify';
import type { RedisClient } from './redis/connections.ts';
import { resolve } from 'node:path';
import type { GatewayConfig } from './config/types.ts';
import { destinationContext } from './connectors/connector-context.ts';
import { platformTransportProblems } from './connectors/transport/check-transports.ts';
import { loadConnector, requirePort } from './connectors/connector-registry.ts';
import { startExternalServices, type ExternalServices } from './connectors/external-services.ts';
import { PaymentEvents } from './payments/payment-events.ts';
import { PaymentExpiryChecker } from './payments/payment-expiry.ts';
import type { PaymentServices } from './payments/payment-services.ts';
import { PaymentStore } from './payments/payment-store.ts';
import { CitizenVerifier } from './citizens/verify-citizen.ts';
import type { PostalServices } from './postal/postal-routes.ts';
import { postalCarriers } from './postal/postal-carriers.ts';
import { PostalDeliveryClient } from './postal/postal-delivery-client.ts';
import { ShipmentStore } from './postal/shipment-store.ts';
import { TrackingPoller } from './postal/tracking-poller.ts';
import { publishProducedEvents } from './messages/publish-message.ts';
import { SubmissionPoller } from './submissions/submission-poller.ts';
import { DeliveryWorker } from './delivery/delivery-worker.ts';
import { DossierOrdering } from './delivery/dossier-ordering.ts';
import { CircuitStateBoard } from './delivery/circuit-state-board.ts';
import { buildApiServer, buildOpsServer } from './http/api-server.ts';
import type { ApiDeps } from './http/api-deps.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { watchFeedsAndCertificates } from './observability/watch-feeds-and-certificates.ts';
import { PollHealth, type PollRecorder } from './polling/poll-health.ts';
import { DossierTimeline } from './messages/dossier-timeline.ts';
import { MessageLog } from './audit/message-log.ts';
import { MessageLogArchiver, startMessageLogUpkeep } from './audit/message-log-archiver.ts';
import { MessageLogLookup } from './audit/message-log-lookup.ts';
import { readRedisMemory, redisMemoryCheck } from './observability/redis-memory.ts';
import { registerMetricsRoute } from './routes/health-routes.ts';
import Fastify from 'fastify';
import type { Logger } from './logging/logger.ts';
import { SchemaRegistry } from './pipeline/validate-schema.ts';
import { DestinationQueues } from './queues/destination-queues.ts';
import { createProducerConnection, createWorkerConnection, describeRedis, redisConfigured } from './redis/connections.ts';
import { queuePrefix } from './redis/key-space.ts';
import { ReplicaAcks } from './redis/replica-acks.ts';
import { waitForRedis } from './redis/wait-for-redis.ts';
import { configuredFileProblems } from './config/check-files.ts';
import { ConfigError } from './config/load-config.ts';
import { CrlRevocationChecker } from './signatures/crl-revocation.ts';
import { createOutboundSigner } from './signatures/outbound-signer.ts';
import { TrustStore } from './signatures/trust-store.ts';
import { VerifiedChainCache } from './signatures/verified-chain-cache.ts';

export interface Gateway {
  config: GatewayConfig;
  api?: FastifyInstance;
  /** Where the API listens, once started. */
  url?: string;
  /** Where the operators' listener (http.ops) listens, when configured. */
  opsUrl?: string;
  workers: Map<string, DeliveryWorker>;
  queues: DestinationQueues;
  trustStore: TrustStore;
  revocation: CrlRevocationChecker;
  payments?: PaymentServices;
  submissionPoller?: SubmissionPoller;
  /** Carrier → the poller of its tracking feed (worker role). */
  trackingPollers: Map<string, TrackingPoller>;
  /** Re-reads trust anchors and CRL files (SIGHUP). */
  reloadTrust(): void;
  close(): Promise<void>;
}

/**
 * What /health/ready reports. Not ready: Redis unreachable, no trust anchor, a worker of this process stopped, or
 * this host's clock so far from Redis's that freshness checks would refuse honest partners. CRL freshness is shown,
 * not judged: a stale CRL refuses only the signers it covers (per stalePolicy).
 */
async function readiness(parts: { producer: RedisClient; trustStore: TrustStore; revocation: CrlRevocationChecker; workers: Map<string, DeliveryWorker>; config: GatewayConfig }) {
  const redisTime = await parts.producer.time().then(([s, us]) => Number(s) * 1000 + Number(us) / 1000, () => undefined);
  const clockSkewMs = redisTime === undefined ? undefined : Math.round(Date.now() - redisTime);
  const checks: Record<string, boolean> = {
    redis: redisTime !== undefined,
    trustStore: parts.trustStore.roots.length > 0,
    clock: clockSkewMs !== undefined && Math.abs(clockSkewMs) < parts.config.ingest.clockSkewMs / 2,
  };
  if (parts.workers.size > 0) checks.workers = [...parts.workers.values()].every((w) => w.worker.isRunning());
  const memory = redisTime === undefined ? undefined : await redisMemoryCheck(parts.producer, parts.config.readiness.redisMemoryMaxRatio).catch(() => undefined);
  if (memory) checks.redisMemory = memory.ok;
  const details = { clockSkewMs, trustAnchors: parts.trustStore.roots.length, crls: parts.revocation.status(), ...(memory ? { redisMemory: memory } : {}) };
  return { checks, details };
}

/** The shipments and the carriers the api role answers about (status, cancel), when a destination is a carrier. */
async function postalServices(config: GatewayConfig, redis: RedisClient, logger: Logger, signOutbound: (body: Buffer) => string): Promise<{ services?: PostalServices; close: () => Promise<void> }> {
  const carriers = await postalCarriers(config, (connector, name, destination) => destinationContext(connector, name, destination, { logger, signOutbound, redis, prefix: config.redis.prefix }));
  const close = async () => void (await Promise.all([...carriers.values()].map((c) => c.close())));
  return { services: carriers.size ? { store: new ShipmentStore(redis, config.redis.prefix, config.retention.deliveredMs), carriers } : undefined, close };
}

/** The submission handler for the configured feed (the national portal), when its connector offers one. */
async function buildSubmissionPoller(
  config: GatewayConfig,
  gateway: Gateway,
  shared: { timeline: DossierTimeline; messageLog: MessageLog },
  redis: RedisClient,
  logger: Logger,
  signOutbound: (body: Buffer) => string,
  polls?: PollRecorder,
): Promise<{ poller: SubmissionPoller; close: () => Promise<void> } | undefined> {
  const name = config.submissions.source;
  const destination = name ? config.destinations[name] : undefined;
  const connector = destination && (await loadConnector(destination.connector));
  if (!name || !destination || !connector?.createSubmissionSource) return undefined;
  const source = connector.createSubmissionSource(destinationContext(connector, name, destination, { logger, signOutbound, redis, prefix: config.redis.prefix }));
  const poller = new SubmissionPoller({
    redis,
    prefix: config.redis.prefix,
    sourceName: name,
    source,
    schemas: new SchemaRegistry(resolve(projectRoot, 'schemas')),
    publish: { queues: gateway.queues, timeline: shared.timeline, messageLog: shared.messageLog },
    routes: config.routes,
    messageLog: shared.messageLog,
    logger,
    batchSize: config.submissions.batchSize,
    lockMs: 60_000,
    polls,
  });
  return { poller, close: () => source.close() };
}

/** Polls the feed of online submissions (one poller at a time across workers, by a Redis lock). */
async function startSubmissionPolling(...args: Parameters<typeof buildSubmissionPoller>): Promise<() => Promise<void>> {
  const built = await buildSubmissionPoller(...args);
  if (!built) return async () => {};
  args[1].submissionPoller = built.poller;
  const stop = built.poller.start(args[0].submissions.pollIntervalMs);
  return async () => {
    await stop();
    await built.close();
  };
}

/** The "population" registry behind its breaker and bulkhead, when configured. */
function citizenVerification(config: GatewayConfig, services: ExternalServices, logger: Logger) {
  const registryName = 'population';
  const registry = services.registries.get(registryName);
  if (!registry) return undefined;
  const verifier = new CitizenVerifier(registry, config.registries[registryName]!, (state) => logger.warn({ registry: registryName, circuit: state }, 'registry circuit breaker changed state'));
  return { verifier, registryName };
}

export const projectRoot = resolve(new URL('..', import.meta.url).pathname);

/** Listens where /http (or /http/ops) says; a port already taken is the config's problem, said in one line. */
async function listenOn(app: FastifyInstance, address: { host: string; port: number }, path: '/http' | '/http/ops'): Promise<string> {
  const { host, port } = address;
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError([`${path}/port: ${host}:${port} is already in use`]);
    if (code === 'EACCES') throw new ConfigError([`${path}/port: not allowed to listen on ${host}:${port}`]);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ConfigError([`${path}/host: ${host} is not an address of this machine`]);
    throw err;
  }
}

/** What a start has started so far, so a failed start can stop it all again. */
interface Started {
  closers: Array<() => Promise<unknown>>;
  queues?: DestinationQueues;
  producer?: RedisClient;
}

/**
 * Starts the roles the config asks for, all sharing one Redis: `api` (ingest + status routes), `worker`
 * (one delivery worker per destination), or `all`. Any number of each may run against the same Redis.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const started: Started = { closers: [] };
  try {
    return await startRoles(config, logger, started);
  } catch (err) {
    // Nothing half-started outlives a failed start: servers closed, workers stopped, connections dropped.
    for (const close of started.closers.reverse()) await close().catch(() => undefined);
    await started.queues?.close().catch(() => undefined);
    started.producer?.disconnect();
    throw err;
  }
}

async function startRoles(config: GatewayConfig, logger: Logger, started: Started): Promise<Gateway> {
  if (!redisConfigured(config.redis)) throw new Error('startGateway needs /redis/url, /redis/sentinel or /redis/cluster (main.ts starts an embedded Redis when none is set)');
  if (config.role !== 'api' && !config.signing) {
    throw new ConfigError(['/signing is required for the worker role: every outbound message is signed (certificate and privateKey PEM paths)']);
  }
  const transportProblems = await platformTransportProblems(config);
  if (transportProblems.length) throw new ConfigError(transportProblems);
  const fileProblems = configuredFileProblems(config, projectRoot);
  if (fileProblems.length) throw new ConfigError(fileProblems);
  const prefix = config.redis.prefix;
  const producer = createProducerConnection(config.redis);
  started.producer = producer;
  await waitForRedis(producer, describeRedis(config.redis), config.redis.startupTimeoutMs);
  producer.on('error', (err) => logger.warn({ err: err.message }, 'redis (producer) error'));
  const queues = new DestinationQueues(Object.keys(config.destinations), producer, (destination) => queuePrefix(config.redis, destination), { ageMs: config.retention.deliveredMs, count: config.retention.completedJobsPerDestination });
  started.queues = queues;
  const trustStore = new TrustStore(config.trust.directories.map((d) => resolve(projectRoot, d)));
  const revocation = new CrlRevocationChecker({ ...config.trust.crl, directories: config.trust.crl.directories.map((d) => resolve(projectRoot, d)) }, logger);
  const gateway: Gateway = {
    config,
    workers: new Map(),
    trackingPollers: new Map(),
    queues,
    trustStore,
    revocation,
    reloadTrust: () => {
      trustStore.reload();
      revocation.reload();
    },
    close: async () => {},
  };
  const closers = started.closers;
  const metrics = new GatewayMetrics(queues);
  const timeline = new DossierTimeline(producer, prefix, config.retention.deliveredMs);
  const messageLog = new MessageLog(producer, prefix, config.messageLog.piiSalt, resolve(projectRoot, config.messageLog.archive.directory));
  metrics.watchRedis(() => readRedisMemory(producer), () => messageLog.lag());
  const partnerSigners = watchFeedsAndCertificates(metrics, { redis: producer, config, trustStore, revocation, rootDir: projectRoot });
  const publish = { queues, timeline, messageLog };
  const signatures = {
    trustStore,
    chainCache: new VerifiedChainCache(config.trust.chainCacheTtlMs),
    revocation,
    policy: { requiredExtendedKeyUsage: config.trust.requiredExtendedKeyUsage },
  };
  const signOutbound = config.signing
    ? createOutboundSigner(config.signing, projectRoot)
    : () => {
        throw new Error('this process has no signing identity (config /signing)');
      };
  const services = await startExternalServices(config, {
    logger,
    signOutbound,
    signatures,
    publicUrl: () => config.payments.publicUrl ?? gateway.url ?? '',
  });
  closers.push(() => services.close());
  if (services.payments.size > 0) {
    const store = new PaymentStore(producer, prefix);
    gateway.payments = { store, providers: services.payments, events: new PaymentEvents(store, publish, config.routes, logger) };
    metrics.watchPaymentsNeedingReview(() => store.countNeedingReview());
  }

  if (config.role === 'api' || config.role === 'all') {
    const pushHandler = config.submissions.push ? await buildSubmissionPoller(config, gateway, { timeline, messageLog }, producer, logger, signOutbound) : undefined;
    if (pushHandler) closers.push(pushHandler.close);
    const postal = await postalServices(config, producer, logger, signOutbound);
    closers.push(postal.close);
    const apiDeps: ApiDeps = {
      config,
      schemas: new SchemaRegistry(resolve(projectRoot, 'schemas')),
      signatures,
      payments: gateway.payments,
      citizens: citizenVerification(config, services, logger),
      postal: postal.services,
      submissionPush: pushHandler?.poller,
      partnerSigners,
      queues,
      redis: producer,
      replicas: new ReplicaAcks(producer, `${prefix}:replication-probe`, config.redis.minReplicasAcked ?? 0, config.redis.replicaAckTimeoutMs),
      metrics,
      timeline,
      messageLog,
      messageLogLookup: new MessageLogLookup(messageLog, config.retention.deliveredMs),
      publish,
      reloadTrust: () => {
        gateway.reloadTrust();
        return { roots: trustStore.roots.length, intermediates: trustStore.intermediates.length, crls: revocation.status().length };
      },
      readiness: () => readiness({ producer, trustStore, revocation, workers: gateway.workers, config }),
    };
    const api = buildApiServer(apiDeps, logger);
    closers.push(() => api.close());
    gateway.url = await listenOn(api, config.http, '/http');
    gateway.api = api;
    if (config.http.ops) {
      const ops = buildOpsServer(apiDeps, logger);
      closers.push(() => ops.close());
      gateway.opsUrl = await listenOn(ops, config.http.ops, '/http/ops');
    }
  }

  if (config.role === 'worker' || config.role === 'all') {
    closers.push(await startWorkerRole(config, gateway, metrics, logger, signOutbound));
    if (gateway.payments) {
      const { store, providers, events } = gateway.payments;
      const checker = new PaymentExpiryChecker(store, providers, events, logger, { intervalMs: config.payments.checkIntervalMs, leaseMs: 60_000 });
      closers.push(checker.start());
    }
  }

  if (config.role === 'worker') {
    // A worker-only process still answers liveness and is scraped for its own counters.
    const ops = Fastify({ logger: false });
    ops.get('/health/live', async () => ({ status: 'ok' }));
    registerMetricsRoute(ops, metrics);
    closers.push(() => ops.close());
    // On the ops listener when there is one (an internal interface), else where the api would listen.
    gateway.url = config.http.ops ? await listenOn(ops, config.http.ops, '/http/ops') : await listenOn(ops, config.http, '/http');
    if (config.http.ops) gateway.opsUrl = gateway.url;
  }

  gateway.close = async () => {
    for (const close of closers.reverse()) await close();
    await queues.close();
    producer.disconnect();
  };
  return gateway;
}

/** One delivery worker per destination, the message-log sealer, and what they share; returns their closer. */
async function startWorkerRole(config: GatewayConfig, gateway: Gateway, metrics: GatewayMetrics, logger: Logger, signOutbound: (body: Buffer) => string): Promise<() => Promise<void>> {
  const prefix = config.redis.prefix;
  const connection = createWorkerConnection(config.redis);
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis (worker) error'));
  // Everything here shares the worker's connection: while Redis is down it waits for it, like the workers.
  const shared = {
    ordering: new DossierOrdering(connection, prefix, config.delivery.dossierLockMs, config.retention.deliveredMs),
    // With minReplicasAcked, a claim (and the intent it records) is on the replicas before the receiver is called: a
    // failover then cannot forget that a call may have been made, and an older update cannot overtake it.
    replicas: new ReplicaAcks(connection, `${prefix}:replication-probe`, config.redis.minReplicasAcked ?? 0, config.redis.replicaAckTimeoutMs),
    timeline: new DossierTimeline(connection, prefix, config.retention.deliveredMs),
    messageLog: new MessageLog(connection, prefix, config.messageLog.piiSalt, resolve(projectRoot, config.messageLog.archive.directory)),
    circuitBoard: new CircuitStateBoard(connection, prefix),
  };
  const { archive } = config.messageLog;
  const archiver = new MessageLogArchiver(shared.messageLog, { ...archive, retentionMs: config.messageLog.retentionMs, lockMs: 60_000 }, logger);
  const stopSealer = startMessageLogUpkeep(shared.messageLog, archiver, { sealIntervalMs: config.messageLog.sealIntervalMs, archiveIntervalMs: archive.intervalMs }, logger, (pass) => metrics.recordArchivePass(pass));
  const publish = { queues: gateway.queues, timeline: shared.timeline, messageLog: shared.messageLog };
  const shipments = new ShipmentStore(connection, prefix, config.retention.deliveredMs);
  const polls = new PollHealth(connection, prefix, (kind, name, outcome) => metrics.recordPoll(kind, name, outcome));
  const markFailed = (err: Error) => logger.warn({ err: err.message }, 'could not record the time of a good poll');
  const stopTracking: Array<() => Promise<void>> = [];
  for (const [name, destination] of Object.entries(config.destinations)) {
    const connector = await loadConnector(destination.connector);
    const context = destinationContext(connector, name, destination, { logger, signOutbound, redis: connection, prefix });
    let client;
    if (connector.createCarrier) {
      // A carrier: the core delivers shipment requests through it and pulls its tracking feed.
      const carrier = connector.createCarrier(context);
      client = new PostalDeliveryClient(name, carrier, shipments);
      const poller = new TrackingPoller({ redis: connection, prefix, carrierName: name, carrier, store: shipments, publish, routes: config.routes, logger, lockMs: 60_000, metrics, polls: polls.recorder('tracking', name, markFailed) });
      gateway.trackingPollers.set(name, poller);
      stopTracking.push(poller.start(carrier.tracking.intervalMs));
    } else {
      client = requirePort(connector, 'createClient', `/destinations/${name}`)(context);
    }
    gateway.workers.set(
      name,
      new DeliveryWorker({
        ...shared,
        destinationName: name,
        destination: () => config.destinations[name]!,
        client,
        queue: gateway.queues.get(name),
        connection,
        prefix,
        stalledIntervalMs: config.delivery.stalledIntervalMs,
        lockDurationMs: config.delivery.lockDurationMs,
        logger,
        metrics,
        publishProduced: (envelope, events) => publishProducedEvents(publish, config.routes, envelope, events),
      }),
    );
  }
  const stopPolling = await startSubmissionPolling(config, gateway, shared, connection, logger, signOutbound, polls.recorder('submissions', config.submissions.source ?? '', markFailed));
  return async () => {
    await stopPolling();
    await Promise.all(stopTracking.map((stop) => stop()));
    await Promise.all([...gateway.workers.values()].map((w) => w.close()));
    await stopSealer();
    connection.disconnect();
  };
}
