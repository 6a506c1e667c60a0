import type { CrlPolicy } from '../signatures/crl-revocation.ts';

/** The gateway's configuration, after defaults, the GATEWAY_CONFIG file and env overrides are merged and validated. */

export type Role = 'api' | 'worker' | 'all';

/** viewer: read everything; operator: also retry, discard, replay, pause and resume. */
export type AdminRole = 'viewer' | 'operator';

export interface RetryPolicy {
  /**
   * How long a message may keep being retried, from acceptance (or an operator's retry). Read live by the worker,
   * so a change reaches jobs already scheduled.
   */
  maxAgeMs: number;
  /** The first retry's delay; each later one doubles, up to maxDelayMs, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CircuitBreakerPolicy {
  /** Consecutive retryable failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  openMs: number;
}

/**
 * A government service platform (the province's LGSP, the national NGSP) between the gateway and a system: a token
 * by client credentials, then each of the connector's calls to the platform's path for it with a service code.
 */
export interface PlatformTransportConfig {
  /** Its name in logs: "lgsp", "ngsp". */
  platform: string;
  /** Absent means sandbox: a simulator of the platform is started in front of the system's simulator. */
  baseUrl?: string;
  tokenPath: string;
  /** The token request's credential: `<keyScheme> <key>`, or Basic base64(consumerKey:consumerSecret) when those are set. */
  keyScheme: 'Bearer' | 'Basic';
  key?: string;
  consumerKey?: string;
  consumerSecret?: string;
  /** The connector's operation name → the platform's path and service code for it. */
  services: Record<string, { path: string; serviceCode: string }>;
}

export interface DestinationConfig {
  /** Folder name under connectors/ that implements this destination. */
  connector: string;
  /** Where the remote system lives; absent means "sandbox": the connector's simulator is started and used. */
  baseUrl?: string;
  /** Reached through a service platform instead of directly. */
  transport?: PlatformTransportConfig;
  /** Connector-specific credentials and options (client id/secret, paths …), validated by the connector. */
  options: Record<string, unknown>;
  timeoutMs: number;
  concurrency: number;
  /** At most `max` deliveries per `durationMs` across all workers (BullMQ limiter). */
  rateLimit?: { max: number; durationMs: number };
  retry: RetryPolicy;
  circuitBreaker: CircuitBreakerPolicy;
}

/** A remote system the gateway calls while answering (a bank, a registry): no queue in between. */
export interface ExternalServiceConfig {
  connector: string;
  /** Absent means sandbox: the connector's simulator is started and used. */
  baseUrl?: string;
  /** Reached through a service platform instead of directly. */
  transport?: PlatformTransportConfig;
  options: Record<string, unknown>;
  timeoutMs: number;
  /**
   * Certificates allowed to sign what this system sends us, for a connector that verifies an X.509 signature
   * (ServiceContext.verifyRemoteSignature); none of today's does (VNPAY and the platform sign callbacks with HMACs), so
   * it may be left out, which binds no signer.
   */
  certificates?: CertificateBinding[];
}

export interface PaymentProviderConfig extends ExternalServiceConfig {
  /** How long a citizen has to pay; after it (plus graceMs) an unconfirmed payment is queried at the provider. */
  paymentTtlMs: number;
}

export interface RegistryConfig extends ExternalServiceConfig {
  /** Bulkhead: at most this many lookups in flight; more wait up to queueTimeoutMs, then get 503. */
  maxConcurrent: number;
  queueTimeoutMs: number;
  circuitBreaker: CircuitBreakerPolicy;
}

export interface CertificateBinding {
  /** SHA-256 fingerprint of the signer certificate, hex, colons optional. */
  fingerprint256?: string;
  /** Exact subject distinguished name, e.g. "CN=Sở Nội vụ,O=UBND tỉnh X,C=VN". */
  subject?: string;
}

export interface PartnerConfig {
  name: string;
  /** "sha256:<hex>" of each accepted API key; keys themselves are never stored. */
  apiKeyHashes: string[];
  /** Agency codes (Mã đơn vị) this partner may speak for. */
  agencies: string[];
  certificates: CertificateBinding[];
  rateLimit: { max: number; timeWindowMs: number };
}

/** A Redis process by address (a sentinel, a cluster node). */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/**
 * Where the gateway's Redis is: one of `url` (one server), `sentinel` (a primary watched by Redis Sentinel, followed
 * through failovers) or `cluster` (a Redis Cluster); none of them: an embedded redis-server child is started.
 */
export interface RedisConfig {
  url?: string;
  sentinel?: {
    /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
    name: string;
    sentinels: RedisNodeAddress[];
    /** The primary's and replicas' credentials. */
    username?: string;
    password?: string;
    /** The sentinels' own password, when they have one (`requirepass` in sentinel.conf). */
    sentinelPassword?: string;
  };
  /** Some of the cluster's nodes (any, masters or replicas): the client learns the rest and the slots from them. */
  cluster?: { nodes: RedisNodeAddress[]; username?: string; password?: string };
  /**
   * A write a partner is told about (202, a bank's "confirmed", a pushed submission's receipt) is acknowledged only
   * once this many replicas hold it (Redis WAIT; on a Cluster, this many replicas of every master); fewer within
   * replicaAckTimeoutMs → 503 REPLICATION_PENDING. 0: no WAIT.
   */
  minReplicasAcked?: number;
  replicaAckTimeoutMs: number;
  /**
   * Starts every key. With `cluster`, loading makes it a hash tag (`gw` → `{gw}`): the gateway's own keys then share
   * one slot, so every script, transaction and pipeline of theirs is legal on a Cluster; each destination queue gets
   * a slot of its own (see queuePrefix in src/redis/key-space.ts).
   */
  prefix: string;
  embedded: { dir: string; port: number; appendfsync: 'always' | 'everysec' };
  /** How long start-up waits for the configured Redis before it stops with one line (exit 1). */
  startupTimeoutMs: number;
}

export interface GatewayConfig {
  role: Role;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /**
     * A second listener for operators and monitoring: /admin (API, dashboard, queue board), /metrics and /health/*.
     * When set, the partner listener (host:port) no longer serves /admin or /metrics, so it can face partners while
     * this one stays on an internal interface. A worker-only process serves /health/live and /metrics here too.
     */
    ops?: { host: string; port: number };
  };
  redis: RedisConfig;
  log: {
    level: string;
    /** auto: pino-pretty when stdout is a terminal, JSON lines otherwise (files, pipes, containers); or force one. */
    format: 'auto' | 'json' | 'pretty';
  };
  ingest: {
    /** Allowed distance between X-Timestamp (and CMS signingTime) and the gateway clock. */
    clockSkewMs: number;
    /** How long an idempotency key is remembered. */
    idempotencyTtlMs: number;
  };
  retention: {
    /** How long a delivered message's job (its envelope and attempt history) stays in Redis for status lookups. */
    deliveredMs: number;
    /** …and at most this many per destination, newest kept: Redis stays bounded whatever the traffic. */
    completedJobsPerDestination: number;
  };
  /** When /health/ready says no before something breaks. */
  readiness: {
    /** Not ready once Redis's used_memory reaches this share of maxmemory (of the host's memory when maxmemory is 0). */
    redisMemoryMaxRatio: number;
  };
  trust: {
    directories: string[];
    chainCacheTtlMs: number;
    /** extendedKeyUsage OIDs every signer certificate must carry (signing profile); none by default. */
    requiredExtendedKeyUsage?: string[];
    crl: CrlPolicy;
  };
  delivery: {
    /** How long a per-dossier delivery lock lives if its worker dies holding it. */
    dossierLockMs: number;
    /** BullMQ stalled-job check interval; a crashed worker's job is re-run after about this long. */
    stalledIntervalMs: number;
    lockDurationMs: number;
  };
  /** Message type → the destinations it is delivered to (a list fans out; config may name just one). */
  routes: Record<string, string[]>;
  destinations: Record<string, DestinationConfig>;
  partners: Record<string, PartnerConfig>;
  payments: {
    /** Gateway address the banks call back, e.g. https://gateway.tinh.gov.vn; the sandbox fills it in. */
    publicUrl?: string;
    /** Wait this long after a payment's expiry for a late callback before querying the provider. */
    graceMs: number;
    /** How often a worker looks for payments past their expiry and relays the payment outbox. */
    checkIntervalMs: number;
    providers: Record<string, PaymentProviderConfig>;
  };
  /** Online submissions: the destination whose connector offers a feed (the national portal), polled with a cursor; null: none. */
  submissions: {
    source?: string | null;
    pollIntervalMs: number;
    batchSize: number;
    /** Accept the portal's push (POST /v1/submissions/push) signed by one of these certificates. */
    push?: { certificates: CertificateBinding[] };
  };
  /** Registries the gateway looks citizens up in (name → connector), e.g. "population". */
  registries: Record<string, RegistryConfig>;
  /** The tamper-evident log of every message in and out (see src/audit/message-log.ts). */
  messageLog: {
    /** Keys the HMACs that replace personal data in logged bodies: set a secret of your own (GATEWAY_LOG_SALT). */
    piiSalt: string;
    /** Records older than this are deleted (whole archive segments, the chain's anchor moving past them). */
    retentionMs: number;
    sealIntervalMs: number;
    /** Older records leave Redis for append-only, hash-chained segment files (src/audit/message-log-archiver.ts). */
    archive: {
      /** Relative to the project root. Every worker process must see the same directory (one host or a shared volume). */
      directory: string;
      /** Redis keeps at most the newest keepRecords records, and none older than keepMs; the rest is archived. */
      keepRecords: number;
      keepMs: number;
      /** A segment file is closed and a new one started past this size, or when its records would span more than segmentMaxAgeMs. */
      segmentMaxBytes: number;
      segmentMaxAgeMs: number;
      /** How often a worker runs the archiver (one at a time across processes). */
      intervalMs: number;
      /** Records per append + fsync + Redis trim. */
      batchSize: number;
    };
  };
  /** Admin users of /admin/api: a name → the SHA-256 hashes of their tokens and their role. */
  admins: Record<string, { tokenHashes: string[]; role: AdminRole }>;
  /** The gateway's own signing identity (PEM file paths): every outbound message carries its CMS signature. */
  signing?: { certificate: string; privateKey: string; chain?: string[] };
  sandbox: {
    dir: string;
    simulatorHost: string;
    /** Register the sandbox partner even when every destination is configured (docker-compose sandbox). */
    partner: boolean;
  };
}
