import { DelayedError, MetricsTime, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DestinationConfig } from '../config/types.ts';
import type { DeliveryClient, ProducedEvent } from '../connectors/connector-types.ts';
import type { Logger } from '../logging/logger.ts';
import type { AttemptRecord, DeliveryOutcome, Envelope } from '../messages/envelope.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { DossierTimeline } from '../messages/dossier-timeline.ts';
import type { MessageLog } from '../audit/message-log.ts';
import type { CircuitStateBoard } from './circuit-state-board.ts';
import { queueNameFor } from '../queues/destination-queues.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DeliveryError } from './delivery-error.ts';
import type { DossierOrdering } from './dossier-ordering.ts';
import { retriesExhausted, retryDelayMs } from './retry-policy.ts';

export interface DeliveryWorkerDeps {
  destinationName: string;
  /** Read on every job, so a changed retry policy reaches jobs already queued. */
  destination: () => DestinationConfig;
  client: DeliveryClient;
  queue: Queue;
  ordering: DossierOrdering;
  connection: Redis;
  prefix: string;
  stalledIntervalMs: number;
  lockDurationMs: number;
  logger: Logger;
  metrics?: GatewayMetrics;
  timeline?: DossierTimeline;
  messageLog?: MessageLog;
  circuitBoard?: CircuitStateBoard;
  /** Queues the events a delivery produced (a carrier's tracking number) on to their routes. */
  publishProduced?: (envelope: Envelope, events: ProducedEvent[]) => Promise<void>;
}

/** How long a job waits when another job of the same dossier is being delivered. */
const dossierBusyDelayMs = 200;
/** The shortest queue pause: Redis refuses a zero expiry, and "Retry-After: 0" still means "not this instant". */
const minimumPauseMs = 100;

/**
 * The worker half of the flow: claim dossier → drop if superseded → circuit breaker → connector → record.
 * Jobs that wait (dossier busy, circuit open, remote 429) go back without spending an attempt; retryable
 * failures are retried with backoff until the live policy's attempts are spent; the rest end dead.
 */
export class DeliveryWorker {
  readonly breaker: CircuitBreaker;
  readonly worker: Worker<Envelope, DeliveryOutcome>;
  private readonly stopReporting?: () => void;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    const config = deps.destination();
    this.breaker = new CircuitBreaker(config.circuitBreaker, Date.now, (state) => {
      deps.logger.warn({ destination: deps.destinationName, circuit: state }, 'circuit breaker changed state');
      void deps.circuitBoard?.report(deps.destinationName, state).catch(() => {});
    });
    deps.metrics?.watchCircuit(deps.destinationName, () => this.breaker.state);
    this.stopReporting = deps.circuitBoard?.keepReporting(deps.destinationName, () => this.breaker.state);
    this.worker = new Worker<Envelope, DeliveryOutcome>(queueNameFor(deps.destinationName), (job, token) => this.process(job, token), {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: config.concurrency,
      limiter: config.rateLimit ? { max: config.rateLimit.max, duration: config.rateLimit.durationMs } : undefined,
      stalledInterval: deps.stalledIntervalMs,
      // BullMQ's own per-minute completed/failed counts: the admin overview's throughput and dead-letter rate.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      lockDuration: deps.lockDurationMs,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) =>
          retryDelayMs(deps.destination().retry, attemptsMade, err instanceof DeliveryError ? err.retryAfterMs : undefined),
      },
    });
    this.worker.on('error', (err) => deps.logger.warn({ err: err.message, destination: deps.destinationName }, 'worker connection error'));
  }

  private async process(job: Job<Envelope, DeliveryOutcome>, token?: string): Promise<DeliveryOutcome> {
    const envelope = job.data;
    const { destinationName, ordering } = this.deps;
    const log = this.deps.logger.child({ messageId: envelope.messageId, dossierCode: envelope.dossierCode, partner: envelope.partner, destination: destinationName });

    if (job.attemptsStarted <= 1) await this.deps.timeline?.index(envelope, destinationName);
    const orderingKey = envelope.orderingKey ?? envelope.dossierCode;
    const claim = await ordering.claim(destinationName, orderingKey, job.id!);
    if (claim.kind === 'busy') {
      await job.moveToDelayed(Date.now() + dossierBusyDelayMs + Math.round(Math.random() * dossierBusyDelayMs), token);
      throw new DelayedError();
    }
    let deliveredOrderingTime: number | undefined;
    try {
      if (claim.lastDeliveredTime !== undefined && envelope.orderingTime < claim.lastDeliveredTime) {
        log.info({ supersededBy: claim.lastDeliveredTime }, 'superseded by a newer update already delivered');
        this.deps.metrics?.recordAttempt(destinationName, 'superseded', 0);
        return { outcome: 'superseded', deliveredAt: new Date().toISOString(), supersededBy: claim.lastDeliveredTime };
      }
      const admission = this.breaker.admit();
      if (!admission.allowed) {
        await this.record(job, { outcome: 'circuit-open', durationMs: 0, error: 'circuit open' });
        await this.deps.queue.rateLimit(Math.max(minimumPauseMs, admission.retryInMs));
        throw Worker.RateLimitError();
      }
      const outcome = await this.deliver(job, log);
      deliveredOrderingTime = envelope.orderingTime;
      return outcome;
    } finally {
      await ordering.release(destinationName, orderingKey, job.id!, deliveredOrderingTime);
    }
  }

  private async deliver(job: Job<Envelope, DeliveryOutcome>, log: Logger): Promise<DeliveryOutcome> {
    const envelope = job.data;
    const started = Date.now();
    try {
      const receipt = await this.deps.client.deliver({ envelope, idempotencyKey: envelope.messageId, traceId: envelope.traceId });
      this.breaker.onAnswered();
      // Before the job completes: if this fails the delivery is retried, and the receiver's idempotency gives the same answer.
      if (receipt.events?.length) await this.deps.publishProduced?.(envelope, receipt.events);
      await this.record(job, { outcome: 'delivered', durationMs: Date.now() - started, statusCode: receipt.statusCode });
      log.info({ attempt: job.attemptsMade + 1, statusCode: receipt.statusCode }, 'delivered');
      this.deps.metrics?.recordDelivered(this.deps.destinationName, envelope.receivedAt);
      await this.logOutbound(envelope, 'delivered');
      return { outcome: 'delivered', statusCode: receipt.statusCode, deliveredAt: new Date().toISOString(), ...(receipt.events?.length ? { produced: receipt.events.map((e) => e.payload) } : {}) };
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError(`unexpected: ${(err as Error).message}`, true);
      const durationMs = Date.now() - started;
      if (!failure.retryable) {
        this.breaker.onAnswered();
        await this.record(job, { outcome: 'permanent', durationMs, statusCode: failure.statusCode, error: failure.message });
        log.warn({ statusCode: failure.statusCode }, 'permanent failure: dead-lettered');
        await this.logOutbound(envelope, 'dead');
        throw new UnrecoverableError(`PERMANENT: ${failure.message}`);
      }
      if (failure.statusCode === 429) {
        // The remote asks us to slow down: pause the whole destination queue, keep the attempt.
        this.breaker.onAnswered();
        await this.record(job, { outcome: 'retry', durationMs, statusCode: 429, error: failure.message });
        await this.deps.queue.rateLimit(Math.max(minimumPauseMs, failure.retryAfterMs ?? this.deps.destination().retry.baseDelayMs));
        throw Worker.RateLimitError();
      }
      this.breaker.onRetryableFailure();
      await this.record(job, { outcome: 'retry', durationMs, statusCode: failure.statusCode, error: failure.message });
      if (retriesExhausted(this.deps.destination().retry, job.attemptsMade + 1)) {
        log.warn({ attempts: job.attemptsMade + 1 }, 'retries exhausted: dead-lettered');
        await this.logOutbound(envelope, 'dead');
        throw new UnrecoverableError(`RETRIES_EXHAUSTED after ${job.attemptsMade + 1} attempts: ${failure.message}`);
      }
      log.info({ attempt: job.attemptsMade + 1, statusCode: failure.statusCode }, 'delivery failed, will retry');
      throw failure;
    }
  }

  /** The outcome of a message at its destination, in the tamper-evident message log. */
  private async logOutbound(envelope: Envelope, outcome: 'delivered' | 'dead'): Promise<void> {
    await this.deps.messageLog
      ?.append({ direction: 'outbound', messageId: envelope.messageId, partner: envelope.partner, destination: this.deps.destinationName, type: envelope.type, outcome, bodySha256: envelope.bodySha256, body: envelope.payload })
      .catch((err: Error) => this.deps.logger.warn({ err: err.message, messageId: envelope.messageId }, 'message log append failed'));
  }

  /** Every attempt is one line of the job's log: the full error history travels with the message. */
  private async record(job: Job, entry: Omit<AttemptRecord, 'attempt' | 'at'>): Promise<void> {
    const line: AttemptRecord = { attempt: job.attemptsMade + 1, at: new Date().toISOString(), ...entry };
    this.deps.metrics?.recordAttempt(this.deps.destinationName, entry.outcome, entry.durationMs);
    await job.log(JSON.stringify(line));
  }

  async close(): Promise<void> {
    this.stopReporting?.();
    await this.worker.close();
    await this.deps.client.close();
  }
}
