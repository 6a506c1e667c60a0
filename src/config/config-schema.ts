/** JSON Schema of GatewayConfig: start-up fails with the exact path of any bad key. */
const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegativeInt = { type: 'integer', minimum: 0 } as const;

/** One Redis process (a sentinel, a cluster node) by address. */
const redisNode = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port'],
  properties: { host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
} as const;

/** A service platform (LGSP/NGSP) in front of a system; `services` is checked against the connector's calls at start-up. */
const transport = {
  type: 'object',
  additionalProperties: false,
  required: ['platform', 'tokenPath', 'keyScheme', 'services'],
  properties: {
    platform: { type: 'string', pattern: '^[a-z0-9-]+$' },
    baseUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
    tokenPath: { type: 'string', pattern: '^/' },
    keyScheme: { enum: ['Bearer', 'Basic'] },
    key: { type: 'string', minLength: 1 },
    consumerKey: { type: 'string', minLength: 1 },
    consumerSecret: { type: 'string', minLength: 1 },
    services: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'serviceCode'],
        properties: { path: { type: 'string', pattern: '^/' }, serviceCode: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

/** `null` says "directly" in a file merged over one that names a platform (objects merge, so a key cannot be removed). */
const transportOrDirect = { oneOf: [transport, { type: 'null' }] } as const;

const destination = {
  type: 'object',
  additionalProperties: false,
  required: ['connector', 'options', 'timeoutMs', 'concurrency', 'retry', 'circuitBreaker'],
  properties: {
    connector: { type: 'string', pattern: '^[a-z0-9-]+$' },
    baseUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
    transport: transportOrDirect,
    options: { type: 'object' },
    timeoutMs: positiveInt,
    concurrency: positiveInt,
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'durationMs'],
      properties: { max: positiveInt, durationMs: positiveInt },
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      required: ['maxAgeMs', 'baseDelayMs', 'maxDelayMs'],
      properties: { maxAgeMs: positiveInt, baseDelayMs: nonNegativeInt, maxDelayMs: nonNegativeInt },
    },
    circuitBreaker: {
      type: 'object',
      additionalProperties: false,
      required: ['failureThreshold', 'openMs'],
      properties: { failureThreshold: positiveInt, openMs: positiveInt },
    },
  },
} as const;

const certificateBinding = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    fingerprint256: { type: 'string', pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$' },
    subject: { type: 'string', minLength: 1 },
  },
} as const;

const externalServiceProperties = {
  connector: { type: 'string', pattern: '^[a-z0-9-]+$' },
  baseUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
  transport: transportOrDirect,
  options: { type: 'object' },
  timeoutMs: positiveInt,
  certificates: { type: 'array', items: certificateBinding },
} as const;

const paymentProvider = {
  type: 'object',
  additionalProperties: false,
  required: ['connector', 'options', 'timeoutMs', 'paymentTtlMs'],
  properties: { ...externalServiceProperties, paymentTtlMs: positiveInt },
} as const;

const registry = {
  type: 'object',
  additionalProperties: false,
  required: ['connector', 'options', 'timeoutMs', 'maxConcurrent', 'queueTimeoutMs', 'circuitBreaker'],
  properties: {
    ...externalServiceProperties,
    maxConcurrent: positiveInt,
    queueTimeoutMs: nonNegativeInt,
    circuitBreaker: destination.properties.circuitBreaker,
  },
} as const;

const partner = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'apiKeyHashes', 'agencies', 'certificates', 'rateLimit'],
  properties: {
    name: { type: 'string', minLength: 1 },
    apiKeyHashes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
    agencies: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    certificates: { type: 'array', minItems: 1, items: certificateBinding },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'timeWindowMs'],
      properties: { max: positiveInt, timeWindowMs: positiveInt },
    },
  },
} as const;

export const gatewayConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'http', 'redis', 'log', 'ingest', 'retention', 'readiness', 'trust', 'delivery', 'routes', 'destinations', 'partners', 'admins', 'messageLog', 'sandbox', 'payments', 'registries', 'submissions'],
  properties: {
    role: { enum: ['api', 'worker', 'all'] },
    http: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'bodyLimitBytes'],
      properties: {
        host: { type: 'string' },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        bodyLimitBytes: positiveInt,
        ops: {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'port'],
          properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 65535 } },
        },
      },
    },
    redis: {
      type: 'object',
      additionalProperties: false,
      required: ['prefix', 'embedded', 'replicaAckTimeoutMs', 'startupTimeoutMs'],
      properties: {
        url: { type: 'string', pattern: '^rediss?://' },
        startupTimeoutMs: positiveInt,
        sentinel: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'sentinels'],
          properties: {
            name: { type: 'string', minLength: 1 },
            sentinels: { type: 'array', minItems: 1, items: redisNode },
            username: { type: 'string', minLength: 1 },
            password: { type: 'string', minLength: 1 },
            sentinelPassword: { type: 'string', minLength: 1 },
          },
        },
        cluster: {
          type: 'object',
          additionalProperties: false,
          required: ['nodes'],
          properties: {
            nodes: { type: 'array', minItems: 1, items: redisNode },
            username: { type: 'string', minLength: 1 },
            password: { type: 'string', minLength: 1 },
          },
        },
        minReplicasAcked: nonNegativeInt,
        replicaAckTimeoutMs: positiveInt,
        prefix: { type: 'string', pattern: '^[A-Za-z0-9{}_-]+$' },
        embedded: {
          type: 'object',
          additionalProperties: false,
          required: ['dir', 'port', 'appendfsync'],
          properties: {
            dir: { type: 'string' },
            port: { type: 'integer', minimum: 0, maximum: 65535 },
            appendfsync: { enum: ['always', 'everysec'] },
          },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level', 'format'],
      properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, format: { enum: ['auto', 'json', 'pretty'] } },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      required: ['clockSkewMs', 'idempotencyTtlMs'],
      properties: { clockSkewMs: positiveInt, idempotencyTtlMs: positiveInt },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: ['deliveredMs', 'completedJobsPerDestination'],
      properties: { deliveredMs: positiveInt, completedJobsPerDestination: positiveInt },
    },
    readiness: {
      type: 'object',
      additionalProperties: false,
      required: ['redisMemoryMaxRatio'],
      properties: { redisMemoryMaxRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 } },
    },
    trust: {
      type: 'object',
      additionalProperties: false,
      required: ['directories', 'chainCacheTtlMs', 'crl'],
      properties: {
        directories: { type: 'array', items: { type: 'string' } },
        chainCacheTtlMs: positiveInt,
        requiredExtendedKeyUsage: { type: 'array', items: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)+$' } },
        crl: {
          type: 'object',
          additionalProperties: false,
          required: ['directories', 'fetch', 'fetchTimeoutMs', 'refreshAheadMs', 'stalePolicy'],
          properties: {
            directories: { type: 'array', items: { type: 'string' } },
            fetch: { type: 'boolean' },
            fetchTimeoutMs: positiveInt,
            refreshAheadMs: nonNegativeInt,
            stalePolicy: { enum: ['fail-closed', 'fail-open'] },
          },
        },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      required: ['dossierLockMs', 'stalledIntervalMs', 'lockDurationMs'],
      properties: { dossierLockMs: positiveInt, stalledIntervalMs: positiveInt, lockDurationMs: positiveInt },
    },
    routes: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } }] },
    },
    payments: {
      type: 'object',
      additionalProperties: false,
      required: ['graceMs', 'checkIntervalMs', 'providers'],
      properties: {
        publicUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
        graceMs: nonNegativeInt,
        checkIntervalMs: positiveInt,
        providers: { type: 'object', propertyNames: { pattern: '^[a-z0-9-]+$' }, additionalProperties: paymentProvider },
      },
    },
    submissions: {
      type: 'object',
      additionalProperties: false,
      required: ['pollIntervalMs', 'batchSize'],
      properties: {
        source: { type: ['string', 'null'] },
        pollIntervalMs: positiveInt,
        batchSize: { type: 'integer', minimum: 1, maximum: 500 },
        push: { type: 'object', additionalProperties: false, required: ['certificates'], properties: { certificates: { type: 'array', minItems: 1, items: certificateBinding } } },
      },
    },
    registries: { type: 'object', propertyNames: { pattern: '^[a-z0-9-]+$' }, additionalProperties: registry },
    destinations: { type: 'object', additionalProperties: destination },
    partners: { type: 'object', additionalProperties: partner },
    messageLog: {
      type: 'object',
      additionalProperties: false,
      required: ['piiSalt', 'retentionMs', 'sealIntervalMs', 'archive'],
      properties: {
        piiSalt: { type: 'string', minLength: 16 },
        retentionMs: positiveInt,
        sealIntervalMs: positiveInt,
        archive: {
          type: 'object',
          additionalProperties: false,
          required: ['directory', 'keepRecords', 'keepMs', 'segmentMaxBytes', 'segmentMaxAgeMs', 'intervalMs', 'batchSize'],
          properties: {
            directory: { type: 'string', minLength: 1 },
            keepRecords: nonNegativeInt,
            keepMs: nonNegativeInt,
            segmentMaxBytes: { type: 'integer', minimum: 4096 },
            segmentMaxAgeMs: positiveInt,
            intervalMs: positiveInt,
            batchSize: { type: 'integer', minimum: 1, maximum: 5000 },
          },
        },
      },
    },
    admins: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['tokenHashes', 'role'],
        properties: {
          tokenHashes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
          role: { enum: ['viewer', 'operator'] },
        },
      },
    },
    signing: {
      type: 'object',
      additionalProperties: false,
      required: ['certificate', 'privateKey'],
      properties: {
        certificate: { type: 'string', minLength: 1 },
        privateKey: { type: 'string', minLength: 1 },
        chain: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      required: ['dir', 'simulatorHost', 'partner'],
      properties: { dir: { type: 'string' }, simulatorHost: { type: 'string' }, partner: { type: 'boolean' } },
    },
  },
} as const;
