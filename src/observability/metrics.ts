import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitState } from '../delivery/circuit-breaker.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';
import type { RedisMemory } from './redis-memory.ts';
import type { ArchivePass } from '../audit/message-log-archiver.ts';
import type { LastSuccessfulPoll, PollKind } from '../polling/poll-health.ts';
import type { WatchedCertificate } from './certificate-expiry.ts';
import { oldestQueued } from './queue-ages.ts';

const circuitValue: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
const signatureCodes = new Set([
  'SIGNATURE_INVALID', 'CERT_UNTRUSTED', 'CERT_EXPIRED', 'CERT_NOT_BOUND', 'CERT_REVOKED', 'CERT_REVOCATION_UNKNOWN', 'CERT_USAGE_INVALID', 'ALGORITHM_WEAK',
]);

/**
 * The gateway's Prometheus metrics, one registry per process. Counters and histograms are fed where things happen;
 * queue depths, dead-letter age and circuit states are read when scraped, so they are never stale.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly ingest = new Counter({ name: 'gateway_ingest_total', help: 'Inbound messages by partner, type and outcome (queued, duplicate or error code)', labelNames: ['partner', 'type', 'outcome'], registers: [this.registry] });
  private readonly signatureFailures = new Counter({ name: 'gateway_signature_failures_total', help: 'Refused signatures by code', labelNames: ['code'], registers: [this.registry] });
  private readonly acceptSeconds = new Histogram({ name: 'gateway_accept_duration_seconds', help: 'Time to answer an inbound message', labelNames: ['type'], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry] });
  private readonly attempts = new Counter({ name: 'gateway_delivery_attempts_total', help: 'Delivery attempts by destination and outcome', labelNames: ['destination', 'outcome'], registers: [this.registry] });
  private readonly deliverySeconds = new Histogram({ name: 'gateway_delivery_duration_seconds', help: 'Duration of one delivery call', labelNames: ['destination'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  private readonly endToEndSeconds = new Histogram({ name: 'gateway_end_to_end_seconds', help: 'From acceptance to delivery', labelNames: ['destination'], buckets: [0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 7200], registers: [this.registry] });
  private readonly paymentCallbacks = new Counter({ name: 'gateway_payment_callbacks_total', help: 'Bank callbacks by provider and verdict (confirmed, invalid-signature, invalid-amount …)', labelNames: ['provider', 'verdict'], registers: [this.registry] });
  private readonly registryLookups = new Counter({ name: 'gateway_registry_lookups_total', help: 'Citizen registry lookups by registry and outcome (match, mismatch, not-found, unavailable, timeout, busy)', labelNames: ['registry', 'outcome'], registers: [this.registry] });
  private readonly paymentReviews = new Counter({ name: 'gateway_payment_reviews_total', help: 'Payments flagged by their provider for an operator (flagged) and operator decisions (paid, failed)', labelNames: ['provider', 'outcome'], registers: [this.registry] });
  private readonly paymentRefunds = new Counter({ name: 'gateway_payment_refunds_total', help: 'Refunds asked of providers by outcome (refunded, refused, error)', labelNames: ['provider', 'outcome'], registers: [this.registry] });
  private readonly trackingEvents = new Counter({ name: 'gateway_tracking_events_total', help: 'Carrier tracking records read, by carrier and outcome (published, stale, duplicate, unknown-shipment, malformed, unknown-status)', labelNames: ['carrier', 'outcome'], registers: [this.registry] });
  private readonly archivePasses = new Counter({ name: 'gateway_message_log_archive_passes_total', help: 'Archiver passes in this process by result (ok, failed)', labelNames: ['result'], registers: [this.registry] });
  private readonly archivedRecords = new Counter({ name: 'gateway_message_log_archived_records_total', help: 'Message log records this process moved from Redis to segment files', registers: [this.registry] });
  private readonly circuits = new Map<string, () => CircuitState>();
  private countNeedingReview?: () => Promise<number>;
  private redisMemory?: () => Promise<RedisMemory>;
  private messageLogLag?: () => Promise<{ records: number; oldestAt?: string }>;

  /** Redis memory and the message log's archive lag are read from Redis when scraped: every process reports the same truth. */
  watchRedis(memory: () => Promise<RedisMemory>, messageLogLag: () => Promise<{ records: number; oldestAt?: string }>): void {
    this.redisMemory = memory;
    this.messageLogLag = messageLogLag;
  }

  recordArchivePass(pass: ArchivePass | Error): void {
    this.archivePasses.inc({ result: pass instanceof Error ? 'failed' : 'ok' });
    if (!(pass instanceof Error)) this.archivedRecords.inc(pass.archived + pass.recovered);
  }

  recordPaymentReview(provider: string, outcome: 'flagged' | 'paid' | 'failed'): void {
    this.paymentReviews.inc({ provider, outcome });
  }

  recordPaymentRefund(provider: string, outcome: string): void {
    this.paymentRefunds.inc({ provider, outcome });
  }

  /** The needs-review gauge reads this (from Redis) when scraped, so every process reports the same truth. */
  watchPaymentsNeedingReview(count: () => Promise<number>): void {
    this.countNeedingReview = count;
  }

  recordPaymentCallback(provider: string, verdict: string): void {
    this.paymentCallbacks.inc({ provider, verdict });
  }

  recordTrackingEvent(carrier: string, outcome: string): void {
    this.trackingEvents.inc({ carrier, outcome });
  }

  recordRegistryLookup(registry: string, outcome: string): void {
    this.registryLookups.inc({ registry, outcome });
  }

  constructor(queues?: DestinationQueues) {
    collectDefaultMetrics({ register: this.registry });
    const circuits = this.circuits;
    const self = this;
    new Gauge({
      name: 'gateway_payments_needing_review',
      help: 'Payments a provider flagged (suspect, reversed, suspected fraud) that wait for an operator decision',
      registers: [this.registry],
      async collect() {
        if (self.countNeedingReview) this.set(await self.countNeedingReview());
      },
    });
    // One INFO memory per scrape, shared by the three gauges that read it.
    let memoryRead: Promise<RedisMemory | undefined> | undefined;
    const memory = () => (memoryRead ??= (self.redisMemory?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => setTimeout(() => (memoryRead = undefined), 0)));
    new Gauge({
      name: 'gateway_redis_used_memory_bytes',
      help: "Redis's used_memory (INFO memory)",
      registers: [this.registry],
      async collect() {
        const m = await memory();
        if (m) this.set(m.usedBytes);
      },
    });
    new Gauge({
      name: 'gateway_redis_maxmemory_bytes',
      help: "Redis's maxmemory (0: none set; writes then fail only when the host runs out)",
      registers: [this.registry],
      async collect() {
        const m = await memory();
        if (m) this.set(m.maxBytes);
      },
    });
    let lagRead: Promise<{ records: number; oldestAt?: string } | undefined> | undefined;
    const lag = () => (lagRead ??= (self.messageLogLag?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => setTimeout(() => (lagRead = undefined), 0)));
    new Gauge({
      name: 'gateway_message_log_unarchived_records',
      help: 'Message log records in Redis not yet archived to segment files (sealed and waiting to be sealed); Redis keeps messageLog.archive.keepRecords on purpose',
      registers: [this.registry],
      async collect() {
        const l = await lag();
        if (l) this.set(l.records);
      },
    });
    new Gauge({
      name: 'gateway_message_log_oldest_unarchived_age_seconds',
      help: 'Age of the oldest message log record still in Redis (0 when none); above messageLog.archive.keepMs plus a few intervals, archiving is behind',
      registers: [this.registry],
      async collect() {
        const l = await lag();
        if (l) this.set(l.oldestAt ? Math.max(0, (Date.now() - Date.parse(l.oldestAt)) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'gateway_circuit_state',
      help: 'Circuit breaker of this worker process per destination: 0 closed, 1 half-open, 2 open',
      labelNames: ['destination'],
      registers: [this.registry],
      collect() {
        for (const [destination, state] of circuits) this.set({ destination }, circuitValue[state()]);
      },
    });
    this.registerFeedAndCertificateGauges();
    if (!queues) return;
    new Gauge({
      name: 'gateway_queue_jobs',
      help: 'Messages per destination and state (failed = dead letters)',
      labelNames: ['destination', 'state'],
      registers: [this.registry],
      async collect() {
        for (const [destination, queue] of queues.all()) {
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
          for (const [state, count] of Object.entries(counts)) this.set({ destination, state }, count);
        }
      },
    });
    new Gauge({
      name: 'gateway_dead_letter_oldest_age_seconds',
      help: 'Age of the oldest dead letter per destination (0 when there is none)',
      labelNames: ['destination'],
      registers: [this.registry],
      async collect() {
        for (const [destination, queue] of queues.all()) {
          const oldest = (await queue.getJobs(['failed'], 0, 0, true))[0]?.finishedOn;
          this.set({ destination }, oldest ? (Date.now() - oldest) / 1000 : 0);
        }
      },
    });
    this.registerQueueAgeGauge(queues);
  }

  recordIngest(partner: string, type: string, outcome: string, seconds: number): void {
    this.ingest.inc({ partner, type, outcome });
    this.acceptSeconds.observe({ type }, seconds);
    if (signatureCodes.has(outcome)) this.signatureFailures.inc({ code: outcome });
  }

  recordAttempt(destination: string, outcome: string, durationMs: number): void {
    this.attempts.inc({ destination, outcome });
    if (durationMs > 0) this.deliverySeconds.observe({ destination }, durationMs / 1000);
  }

  recordDelivered(destination: string, receivedAt: string): void {
    this.endToEndSeconds.observe({ destination }, (Date.now() - Date.parse(receivedAt)) / 1000);
  }

  watchCircuit(destination: string, state: () => CircuitState): void {
    this.circuits.set(destination, state);
  }

  // Polled feeds and certificates: counted where polls happen, ages and expiries read when scraped.
  private readonly trackingPolls = new Counter({ name: 'gateway_tracking_polls_total', help: "Rounds of a carrier's tracking feed this process ran, by outcome (ok, failed); a round another worker held is not counted", labelNames: ['carrier', 'outcome'], registers: [this.registry] });
  private readonly submissionPolls = new Counter({ name: 'gateway_submission_polls_total', help: 'Rounds of the online-submission feed this process ran, by outcome (ok, failed)', labelNames: ['source', 'outcome'], registers: [this.registry] });
  private lastSuccessfulPolls?: () => Promise<LastSuccessfulPoll[]>;
  private watchedCertificates?: () => Promise<WatchedCertificate[]>;
  private crls?: () => Array<{ source: string; issuer: string; nextUpdate?: string }>;

  /** A round of a polled feed ended; both outcomes start at 0 the first time a feed is named, so rates exist at once. */
  recordPoll(kind: PollKind, name: string, outcome: 'ok' | 'failed'): void {
    const other = outcome === 'ok' ? 'failed' : 'ok';
    if (kind === 'tracking') {
      this.trackingPolls.inc({ carrier: name, outcome: other }, 0);
      this.trackingPolls.inc({ carrier: name, outcome });
    } else {
      this.submissionPolls.inc({ source: name, outcome: other }, 0);
      this.submissionPolls.inc({ source: name, outcome });
    }
  }

  /** When each feed was last read through (from Redis, the same in every process): the poll lag gauges read it. */
  watchPolls(read: () => Promise<LastSuccessfulPoll[]>): void {
    this.lastSuccessfulPolls = read;
  }

  /** The certificates whose notAfter the expiry gauge reports (signing, trust store, partners' known signers). */
  watchCertificates(read: () => Promise<WatchedCertificate[]>): void {
    this.watchedCertificates = read;
  }

  /** The CRLs held now, with their nextUpdate. */
  watchCrls(read: () => Array<{ source: string; issuer: string; nextUpdate?: string }>): void {
    this.crls = read;
  }

  private registerFeedAndCertificateGauges(): void {
    const self = this;
    let pollsRead: Promise<LastSuccessfulPoll[]> | undefined;
    const polls = () => (pollsRead ??= (self.lastSuccessfulPolls?.() ?? Promise.resolve([])).catch(() => []).finally(() => setTimeout(() => (pollsRead = undefined), 0)));
    const lagGauge = (kind: PollKind, name: string, label: string, help: string) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const poll of await polls()) if (poll.kind === kind) this.set({ [label]: poll.name }, Math.max(0, (Date.now() - poll.at) / 1000));
        },
      });
    lagGauge('tracking', 'gateway_tracking_poll_lag_seconds', 'carrier', "Seconds since a carrier's tracking feed was last read through (no series until the first good round)");
    lagGauge('submissions', 'gateway_submission_poll_lag_seconds', 'source', 'Seconds since the online-submission feed was last read through (no series until the first good round)');
    new Gauge({
      name: 'gateway_certificate_expiry_seconds',
      help: "Seconds until a certificate's notAfter (negative once expired): kind signing (the gateway's, as this process signs with it), trust-anchor and intermediate (the trust store), partner (each partner's bound signer, once seen)",
      labelNames: ['kind', 'owner', 'fingerprint', 'subject'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const c of (await self.watchedCertificates?.().catch(() => [])) ?? []) {
          this.set({ kind: c.kind, owner: c.owner, fingerprint: c.fingerprint, subject: c.subject ?? '' }, Math.round((c.notAfter.getTime() - Date.now()) / 1000));
        }
      },
    });
    new Gauge({
      name: 'gateway_crl_next_update_seconds',
      help: "Seconds until a held CRL's nextUpdate (negative once past it: signers it covers are then refused or let through per trust.crl.stalePolicy)",
      labelNames: ['issuer', 'source'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const crl of self.crls?.() ?? []) if (crl.nextUpdate) this.set({ issuer: crl.issuer, source: crl.source }, Math.round((Date.parse(crl.nextUpdate) - Date.now()) / 1000));
      },
    });
  }

  /** How long the oldest message of each destination has waited for a worker, and for a retry, since acceptance. */
  private registerQueueAgeGauge(queues: DestinationQueues): void {
    new Gauge({
      name: 'gateway_queue_oldest_age_seconds',
      help: 'Age since acceptance of the oldest message per destination waiting for a worker (state waiting) or for a retry (state delayed); 0 when none',
      labelNames: ['destination', 'state'],
      registers: [this.registry],
      async collect() {
        const now = Date.now();
        for (const [destination, queue] of queues.all()) {
          const { waitingSince, retryingSince } = await oldestQueued(queue);
          this.set({ destination, state: 'waiting' }, waitingSince ? Math.max(0, (now - waitingSince) / 1000) : 0);
          this.set({ destination, state: 'delayed' }, retryingSince ? Math.max(0, (now - retryingSince) / 1000) : 0);
        }
      },
    });
  }
}
