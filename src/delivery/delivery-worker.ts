import { DelayedError, MetricsTime, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/connections.ts';
import type { DestinationConfig } from '../config/types.ts';
import type { DeliveryClient, DeliveryReceipt, ProducedEvent } from '../connectors/connector-types.ts';
import type { Logger } from '../logging/logger.ts';
import { lazyChild } from '../logging/lazy-child.ts';
import type { AttemptRecord, DeliveryOutcome, Envelope } from '../messages/envelope.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { DossierTimeline } from '../messages/dossier-timeline.ts';
import type { MessageLog } from '../audit/message-log.ts';
import type { CircuitStateBoard } from './circuit-state-board.ts';
import { queueNameFor } from '../queues/destination-queues.ts';
import { failpoint } from '../chaos/failpoints.ts';
import type { ReplicaAcks } from '../redis/replica-acks.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { DeliveryError } from './delivery-error.ts';
import type { CallResult, DossierOrdering } from './dossier-ordering.ts';
import { budgetFrom, formatDuration, nextAttempt, pastBudget } from './retry-policy.ts';

export interface DeliveryWorkerDeps {
  destinationName: string;
  /** Read on every job, so a changed retry policy reaches jobs already queued. */
  destination: () => DestinationConfig;
  client: DeliveryClient;
  queue: Queue;
  ordering: DossierOrdering;
  connection: RedisClient;
  prefix: string;
  stalledIntervalMs: number;
  lockDurationMs: number;
  logger: Logger;
  metrics?: GatewayMetrics;
  timeline?: DossierTimeline;
  messageLog?: MessageLog;
  circuitBoard?: CircuitStateBoard;
  /** redis.minReplicasAcked on the ordering connection: the claim is replicated before the call. */
  replicas?: ReplicaAcks;
  /** Queues the events a delivery produced (a carrier's tracking number) on to their routes. */
  publishProduced?: (envelope: Envelope, events: ProducedEvent[]) => Promise<void>;
}

/** How long a job waits when its claim could not be replicated (redis.minReplicasAcked). */
const replicationWaitMs = 1000;
/** How long a job waits when another job of the same dossier is being delivered. */
const dossierBusyDelayMs = 200;
/** The shortest queue pause: RedisClient refuses a zero expiry, and "Retry-After: 0" still means "not this instant". */
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
      // The destination answers again: what waits for a retry goes now, not when its backoff (up to maxDelayMs) ends.
      if (state === 'closed') void deps.queue.promoteJobs({ count: 1000 }).catch((err: Error) => deps.logger.warn({ err: err.message }, 'promoting delayed retries failed'));
    });
    deps.metrics?.watchCircuit(deps.destinationName, () => this.breaker.state);
    this.stopReporting = deps.circuitBoard?.keepReporting(deps.destinationName, () => this.breaker.state);
    this.worker = new Worker<Envelope, DeliveryOutcome>(queueNameFor(deps.destinationName), (job, token) => this.process(job, token), {
      connection: deps.connection,
      prefix: deps.queue.opts.prefix, // the queue's own (its hash tag on a Redis Cluster)
      concurrency: config.concurrency,
      // Always a limiter: BullMQ honours a queue's rateLimit() (a remote's 429, an open circuit: see waitForCircuit and
      // failed()) only in workers that have one, so without it the pause held only the process that set it and every
      // other worker process went on calling. Unlimited when the destination sets no rate (BullMQ then counts each job
      // in its claim script, a few microseconds inside Redis).
      limiter: config.rateLimit ? { max: config.rateLimit.max, duration: config.rateLimit.durationMs } : { max: 1_000_000_000, duration: 1000 },
      stalledInterval: deps.stalledIntervalMs,
      // BullMQ's own per-minute completed/failed counts: the admin overview's throughput and dead-letter rate.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      lockDuration: deps.lockDurationMs,
      // A job whose worker died goes back to the queue; only after this many deaths is it a dead letter (a message
      // that kills its worker must not take down every worker forever, but two kill -9s in a day are not its fault).
      maxStalledCount: 5,
      settings: {
        // The worker decided when, from the message's remaining time budget (see failed()).
        backoffStrategy: (_attemptsMade, _type, err) => (err instanceof DeliveryError && err.retryInMs !== undefined ? err.retryInMs : deps.destination().retry.baseDelayMs),
      },
    });
    this.worker.on('error', (err) => deps.logger.warn({ err: err.message, destination: deps.destinationName }, 'worker connection error'));
  }

  private async process(job: Job<Envelope, DeliveryOutcome>, token?: string): Promise<DeliveryOutcome> {
    const envelope = job.data;
    const { destinationName, ordering } = this.deps;
    // Made when it first writes a line: at warn, a delivery that succeeds writes none.
    const log = lazyChild(this.deps.logger, { messageId: envelope.messageId, dossierCode: envelope.dossierCode, partner: envelope.partner, destination: destinationName, traceId: envelope.traceId });

    const orderingKey = envelope.orderingKey ?? envelope.dossierCode;
    const replicated = this.deps.replicas?.ticket();
    // Sent together (one round trip): the timeline entry and the connector's reads do not depend on the claim's
    // answer; the reads go behind the claim, so they see what the dossier's previous message wrote before its release.
    // The timeline entry again where it may be missing (not written with the job, or old enough to have expired).
    const indexed = this.deps.timeline?.needsRepair(envelope, job.attemptsStarted <= 1) ? this.deps.timeline.index(envelope, destinationName) : undefined;
    const claimedSince = Date.now();
    const callWindowMs = this.deps.destination().timeoutMs;
    const claiming = ordering.claim(destinationName, orderingKey, job.id!, envelope.orderingTime, callWindowMs);
    const prepared = this.deps.client.prepare?.(envelope);
    prepared?.catch(() => undefined); // a failed read is thrown by deliver(), if the message is sent at all
    const [indexing, claimed] = await Promise.allSettled([indexed, claiming]);
    if (claimed.status === 'rejected') throw claimed.reason;
    const claim = claimed.value;
    if (claim.kind === 'busy') {
      await job.moveToDelayed(Date.now() + dossierBusyDelayMs + Math.round(Math.random() * dossierBusyDelayMs), token);
      throw new DelayedError();
    }
    // A failure between a claim and the try below would leave the dossier locked and this message's intent behind,
    // later counted as "may have reached the receiver" (superseding older updates never sent): released first.
    const releaseUnsent = async (err: unknown): Promise<never> => {
      if (claim.kind === 'claimed') await ordering.release(destinationName, orderingKey, job.id!, envelope.orderingTime, 'not-reached').catch(() => undefined);
      throw err;
    };
    if (indexing.status === 'rejected') await releaseUnsent(indexing.reason);
    // A worker died while this job was running: if the receiver's success was already recorded, it is delivered,
    // whatever has happened to the dossier since; sending it again or calling it superseded would both be untrue.
    const deliveredBefore = job.stalledCounter > 0 ? await this.deliveredRecordOf(job).catch(releaseUnsent) : undefined;
    if (claim.kind === 'superseded') {
      if (deliveredBefore) return this.completeDelivered(envelope, deliveredBefore, log);
      log.info({ supersededBy: claim.floor }, 'superseded by a newer update that reached the receiver');
      this.deps.metrics?.recordAttempt(destinationName, 'superseded', 0);
      await this.logOutbound(envelope, 'superseded');
      return { outcome: 'superseded', deliveredAt: new Date().toISOString(), supersededBy: claim.floor };
    }
    let result: CallResult = 'not-reached';
    /** A delivery's records (connector's, attempt line, message log), sent and not yet answered: the release follows them. */
    let recorded: Promise<void> | undefined;
    try {
      if (replicated && !(await replicated.confirmed().then(() => true, () => false))) {
        // The claim is not on enough replicas (a failover under way): wait, without a call and without an attempt.
        await job.moveToDelayed(Date.now() + replicationWaitMs, token);
        throw new DelayedError();
      }
      if (deliveredBefore) {
        result = 'reached';
        return await this.completeDelivered(envelope, deliveredBefore, log);
      }
      const admission = this.breaker.admit();
      if (!admission.allowed) return await this.waitForCircuit(job, admission.retryInMs, log);
      const claimKept = ordering.keepAlive(destinationName, orderingKey, job.id!, claimedSince, callWindowMs, () => log.warn('dossier claim lost while delivering'));
      try {
        const { outcome, call, records } = await this.deliver(job, log, prepared, claimKept.fresh);
        result = call;
        recorded = records;
        return outcome;
      } catch (err) {
        result = (err as { call?: CallResult }).call ?? 'maybe';
        throw err;
      } finally {
        claimKept.stop();
      }
    } finally {
      // A slow receiver may apply an unanswered call up to about one timeout after we gave up on it.
      const release = () => ordering.release(destinationName, orderingKey, job.id!, envelope.orderingTime, result, this.deps.destination().timeoutMs);
      if (!recorded) await release();
      else if (this.deps.connection instanceof Cluster) {
        // The floor may be raised only once the attempt line says "delivered" (a worker dying in between must re-read
        // it). A Cluster may keep the job's keys and the dossier's on different nodes: one after the other.
        await recorded.catch(() => undefined); // its error is thrown below
        await Promise.all([recorded, release()]);
      } else {
        // One server (or a Sentinel's primary) runs a connection's commands in the order they were sent: the release
        // goes right behind the records, and BullMQ's completion (on this connection too, sent when this returns)
        // behind the release, without waiting for their answers. A worker dying anywhere in between leaves a prefix of
        // them done: records without release or completion (the job stalls, and its claim finds the attempt line),
        // or everything but the completion (the same, with the floor already raised). What is not answered yet is
        // not waited for: an error there (Redis gone mid-write) is logged; the dossier's lock then expires by itself
        // and its recorded intent counts this message as sent, which it was.
        void Promise.all([recorded, release()]).catch((err: Error) => log.warn({ err: err.message }, 'a delivered message\'s records or release were not written'));
      }
    }
  }

  /** The attempt line that says the receiver accepted this message, if a previous run wrote one. */
  private async deliveredRecordOf(job: Job<Envelope, DeliveryOutcome>): Promise<AttemptRecord | undefined> {
    const { logs } = await this.deps.queue.getJobLogs(job.id!, 0, -1);
    return logs.map((line) => JSON.parse(line) as AttemptRecord).find((record) => record.outcome === 'delivered');
  }

  private async completeDelivered(envelope: Envelope, record: AttemptRecord, log: Logger): Promise<DeliveryOutcome> {
    log.info({ deliveredAt: record.at }, 'delivered before its worker died: completed without sending again');
    // The dead worker may or may not have logged it; an outcome logged twice is better than one missing.
    await this.logOutbound(envelope, 'delivered');
    return { outcome: 'delivered', statusCode: record.statusCode, deliveredAt: record.at };
  }

  /** The circuit is open: the message waits without a call, unless its time budget is spent. */
  private async waitForCircuit(job: Job<Envelope, DeliveryOutcome>, retryInMs: number, log: Logger): Promise<never> {
    const policy = this.deps.destination().retry;
    const now = Date.now();
    if (pastBudget(policy, budgetFrom(job.data), now)) {
      await this.record(job, { outcome: 'circuit-open', durationMs: 0, error: 'circuit open' });
      throw await this.deadByAge(job, now, 'circuit open', log);
    }
    const pauseMs = Math.max(minimumPauseMs, retryInMs);
    await this.record(job, { outcome: 'circuit-open', durationMs: 0, error: 'circuit open', nextAttemptAt: new Date(now + pauseMs).toISOString() });
    await this.deps.queue.rateLimit(pauseMs);
    throw Worker.RateLimitError();
  }

  /** `records`: the attempt line and message-log entry of a success, sent but not awaited (process() releases behind them). */
  private async deliver(job: Job<Envelope, DeliveryOutcome>, log: Logger, prepared: Promise<unknown> | undefined, claimFresh: AbortSignal): Promise<{ outcome: DeliveryOutcome; call: CallResult; records?: Promise<void> }> {
    const envelope = job.data;
    const started = Date.now();
    let receipt: DeliveryReceipt;
    try {
      receipt = await this.deps.client.deliver({ envelope, idempotencyKey: envelope.messageId, traceId: envelope.traceId, log, prepared, claimFresh });
      failpoint('delivery:after-call');
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError(`unexpected: ${(err as Error).message}`, true);
      // An answer (any status) means the receiver decided; no answer means it may have applied the call.
      const call: CallResult = failure.statusCode === undefined ? 'maybe' : 'not-reached';
      throw Object.assign(await this.failed(job, failure, Date.now() - started, log), { call });
    }
    this.breaker.onAnswered();
    // Its failure is thrown where it is confirmed (below, with the attempt line), not as an unhandled rejection meanwhile.
    receipt.recorded?.catch(() => undefined);
    // Before the job completes: if this fails the delivery is retried, and the receiver's idempotency gives the same answer.
    if (receipt.events?.length) await this.deps.publishProduced?.(envelope, receipt.events);
    // The attempt line and the message log's entry are sent now, in this order, and not awaited here: the release
    // (process()) goes right behind them on the same connection, so the three share one round trip.
    // The connector's own records (receipt.recorded) went ahead of them and are confirmed with them.
    const records = Promise.all([receipt.recorded, this.record(job, { outcome: 'delivered', durationMs: Date.now() - started, statusCode: receipt.statusCode }), this.logOutbound(envelope, 'delivered')]).then(() => failpoint('delivery:after-delivered-record'));
    records.catch(() => undefined); // confirmed, and its failure thrown, by process() once the release is sent
    log.info({ attempt: job.attemptsMade + 1, statusCode: receipt.statusCode }, 'delivered');
    this.deps.metrics?.recordDelivered(this.deps.destinationName, envelope.receivedAt);
    const outcome: DeliveryOutcome = { outcome: 'delivered', statusCode: receipt.statusCode, deliveredAt: new Date().toISOString(), ...(receipt.events?.length ? { produced: receipt.events.map((e) => e.payload) } : {}) };
    return { outcome, call: 'reached', records };
  }

  /** Records a failed call and returns what to throw: dead (permanent, or past its budget), paused (429) or a scheduled retry. */
  private async failed(job: Job<Envelope, DeliveryOutcome>, failure: DeliveryError, durationMs: number, log: Logger): Promise<Error> {
    const envelope = job.data;
    if (!failure.retryable) {
      this.breaker.onAnswered();
      await this.record(job, { outcome: 'permanent', durationMs, statusCode: failure.statusCode, error: failure.message });
      log.warn({ statusCode: failure.statusCode }, 'permanent failure: dead-lettered');
      await this.logOutbound(envelope, 'dead');
      return new UnrecoverableError(`PERMANENT: ${failure.message}`);
    }
    const policy = this.deps.destination().retry;
    const now = Date.now();
    if (failure.statusCode === 429 && !pastBudget(policy, budgetFrom(envelope), now)) {
      // The remote asks us to slow down: pause the whole destination queue, keep the attempt.
      this.breaker.onAnswered();
      const pauseMs = Math.max(minimumPauseMs, failure.retryAfterMs ?? policy.baseDelayMs);
      await this.record(job, { outcome: 'retry', durationMs, statusCode: 429, error: failure.message, nextAttemptAt: new Date(now + pauseMs).toISOString() });
      await this.deps.queue.rateLimit(pauseMs);
      return Worker.RateLimitError();
    }
    if (failure.statusCode !== 429) this.breaker.onRetryableFailure();
    const next = nextAttempt(policy, budgetFrom(envelope), job.attemptsMade + 1, now, failure.retryAfterMs);
    if (next.kind === 'exhausted') {
      await this.record(job, { outcome: 'retry', durationMs, statusCode: failure.statusCode, error: failure.message });
      return this.deadByAge(job, now, failure.message, log);
    }
    await this.record(job, { outcome: 'retry', durationMs, statusCode: failure.statusCode, error: failure.message, nextAttemptAt: new Date(next.at).toISOString() });
    log.info({ attempt: job.attemptsMade + 1, statusCode: failure.statusCode, retryInMs: next.delayMs }, 'delivery failed, will retry');
    failure.retryInMs = next.delayMs;
    return failure;
  }

  private async deadByAge(job: Job<Envelope, DeliveryOutcome>, now: number, lastError: string, log: Logger): Promise<UnrecoverableError> {
    const policy = this.deps.destination().retry;
    const attempts = job.attemptsMade + 1;
    const age = formatDuration(now - budgetFrom(job.data));
    log.warn({ attempts, maxAgeMs: policy.maxAgeMs }, 'retry budget spent: dead-lettered');
    await this.logOutbound(job.data, 'dead');
    return new UnrecoverableError(`RETRIES_EXHAUSTED after ${attempts} attempts in ${age} (max age ${formatDuration(policy.maxAgeMs)}): ${lastError}`);
  }

  /** The outcome of a message at its destination, in the tamper-evident message log. */
  private async logOutbound(envelope: Envelope, outcome: 'delivered' | 'dead' | 'superseded'): Promise<void> {
    // The body is in the log once, in the message's inbound record (same message id: every queued message has one,
    // accepted, replayed or produced); an outcome names it by its digest. A second copy here cost every delivery the
    // personal-data walk, a bigger record to seal and archive, and worker CPU (bench A/B of 2026-11-24, 6 runs: 0.41–0.42
    // → 0.26–0.35 ms a message). A superseded message was never sent.
    const sent = outcome === 'superseded' ? {} : { bodySha256: envelope.bodySha256 };
    await this.deps.messageLog
      ?.append({ direction: 'outbound', messageId: envelope.messageId, partner: envelope.partner, destination: this.deps.destinationName, type: envelope.type, outcome, ...sent })
      .catch((err: Error) => this.deps.logger.warn({ err: err.message, messageId: envelope.messageId }, 'message log append failed'));
  }

  /**
   * Every attempt is one line of the job's log: the full error history travels with the message. Written as BullMQ's
   * job.log() writes it (RPUSH to the job's `:logs` list, read back by getJobLogs), but sent at once: job.log() first
   * awaits its client, so a command sent after it could reach Redis before it, and the release must not.
   */
  private async record(job: Job, entry: Omit<AttemptRecord, 'attempt' | 'at'>): Promise<void> {
    const line: AttemptRecord = { attempt: job.attemptsMade + 1, at: new Date().toISOString(), ...entry };
    this.deps.metrics?.recordAttempt(this.deps.destinationName, entry.outcome, entry.durationMs);
    await this.deps.connection.rpush(`${this.deps.queue.toKey(job.id!)}:logs`, JSON.stringify(line));
  }

  async close(): Promise<void> {
    this.stopReporting?.();
    await this.worker.close();
    await this.deps.client.close();
  }
}
