import { errorResponses, messageStateSchema, messageStatusSchema, paymentSchema, refundSchema } from '../http/api-schemas.ts';

/** Response schemas of the admin API, for its OpenAPI document (they document; they do not filter). */

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const deadLetterErrorCode = { type: 'string', enum: ['PERMANENT', 'RETRIES_EXHAUSTED', 'UNKNOWN'] } as const;

export const deadLetterSummarySchema = {
  type: 'object',
  required: ['messageId', 'destination', 'errorCode', 'statusCode', 'reason', 'attempts'],
  properties: {
    messageId: { type: 'string' },
    destination: { type: 'string' },
    type: { type: 'string' },
    partner: { type: 'string' },
    dossierCode: { type: 'string' },
    errorCode: deadLetterErrorCode,
    statusCode: { ...nullableInteger, description: "the destination's HTTP status in the failure, when there was one" },
    reason: { type: 'string' },
    attempts: { type: 'integer' },
    failedAt: nullableString,
  },
} as const;

export const adminResponses = {
  queues: {
    200: {
      type: 'object',
      required: ['destinations'],
      properties: {
        destinations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['destination', 'paused', 'counts', 'deadLetters'],
            properties: {
              destination: { type: 'string' },
              paused: { type: 'boolean' },
              counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'jobs by BullMQ state: waiting, prioritized, active, delayed, failed (dead letters), completed' },
              deadLetters: { type: 'object', properties: { count: { type: 'integer' }, oldestAgeSeconds: nullableInteger } },
              lastMinutes: {
                type: 'object',
                properties: { minutes: { type: 'integer' }, finished: { type: 'integer' }, dead: { type: 'integer' }, perMinute: { type: 'number' }, deadRate: { type: 'number' } },
              },
              circuits: { type: 'array', items: { type: 'object', additionalProperties: true }, description: "each worker's circuit-breaker state" },
            },
          },
        },
      },
    },
  },
  deadLetters: { 200: { type: 'object', required: ['deadLetters'], properties: { deadLetters: { type: 'array', items: deadLetterSummarySchema } } } },
  deadLetterGroups: {
    200: {
      type: 'object',
      required: ['groups'],
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            required: ['destination', 'errorCode', 'statusCode', 'count', 'filter'],
            properties: {
              destination: { type: 'string' },
              errorCode: deadLetterErrorCode,
              statusCode: nullableInteger,
              count: { type: 'integer' },
              oldestFailedAt: nullableString,
              newestFailedAt: nullableString,
              filter: {
                type: 'object',
                description: 'send it to POST /dead-letters/retry to retry this group and nothing else',
                required: ['destination', 'errorCode', 'statusCode'],
                properties: {
                  destination: { type: 'string' },
                  errorCode: deadLetterErrorCode,
                  statusCode: { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['none'] }] },
                },
              },
            },
          },
        },
      },
    },
  },
  message: {
    200: {
      ...messageStatusSchema,
      properties: { ...messageStatusSchema.properties, envelope: { type: 'object', additionalProperties: true, description: 'the envelope as stored, personal data redacted' } },
    },
    ...errorResponses('NOT_FOUND'),
  },
  retried: { 200: { type: 'object', required: ['retried'], properties: { retried: { type: 'integer' } } }, ...errorResponses('NOT_FOUND') },
  bulkRetried: {
    200: {
      type: 'object',
      required: ['matched', 'retried'],
      properties: {
        matched: { type: 'integer' },
        retried: { type: 'integer' },
        dryRun: { type: 'boolean', description: 'true: only counted, nothing changed' },
        countedUntil: { type: 'string', format: 'date-time', description: 'after a count: send it back as `until` to retry what was counted and not what died since' },
      },
    },
  },
  discarded: { 200: { type: 'object', required: ['discarded'], properties: { discarded: { type: 'integer' } } }, ...errorResponses('NOT_FOUND') },
  replayed: { 200: { type: 'object', required: ['messageId', 'replayOf'], properties: { messageId: { type: 'string' }, replayOf: { type: 'string' } } }, ...errorResponses('NOT_FOUND') },
  paused: { 200: { type: 'object', required: ['destination', 'paused'], properties: { destination: { type: 'string' }, paused: { type: 'boolean' } } }, ...errorResponses('NOT_FOUND') },
  timeline: {
    200: {
      type: 'object',
      required: ['dossierCode', 'messages'],
      properties: {
        dossierCode: { type: 'string' },
        messages: {
          type: 'array',
          description: 'in arrival order; empty for an unknown dossier',
          items: {
            type: 'object',
            required: ['messageId', 'destination', 'state'],
            properties: {
              messageId: { type: 'string' },
              destination: { type: 'string' },
              state: { anyOf: [messageStateSchema, { type: 'string', enum: ['expired'] }] },
              type: { type: 'string' },
              dossierCode: { type: 'string' },
              partner: { type: 'string' },
              attempts: { type: 'integer' },
              lastError: nullableString,
              receivedAt: { type: 'string' },
              orderingTime: { type: 'string' },
              replayOf: nullableString,
            },
          },
        },
      },
    },
  },
  trustReloaded: {
    200: { type: 'object', required: ['roots', 'intermediates', 'crls'], properties: { roots: { type: 'integer' }, intermediates: { type: 'integer' }, crls: { type: 'integer' } } },
  },
  logVerdict: {
    200: {
      type: 'object',
      required: ['ok', 'records', 'firstSeq', 'lastSeq', 'archived'],
      properties: {
        ok: { type: 'boolean' },
        records: { type: 'integer' },
        firstSeq: nullableInteger,
        lastSeq: nullableInteger,
        archived: { type: 'object', properties: { records: { type: 'integer' }, segments: { type: 'integer' } } },
        broken: {
          type: 'object',
          description: 'the first record that does not verify, and where it is (a segment file line, or Redis)',
          properties: { seq: { type: 'integer' }, problem: { type: 'string' }, reason: { type: 'string' }, segment: { type: 'string' }, line: { type: 'integer' }, redisKey: { type: 'string' } },
        },
      },
    },
  },
  logExport: { 200: { type: 'string', description: 'one record per line (NDJSON)', content: { 'application/x-ndjson': { schema: { type: 'string' } } } } },
  audit: {
    200: {
      type: 'object',
      required: ['entries'],
      properties: {
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['at', 'actor', 'role', 'action', 'target', 'reason', 'count'],
            properties: {
              at: { type: 'string', format: 'date-time' },
              actor: { type: 'string' },
              role: { type: 'string', enum: ['viewer', 'operator'] },
              action: { type: 'string', description: 'retry, bulk-retry, discard, replay, pause, resume, trust-reload, payment-review, payment-refund-…' },
              target: { type: 'string' },
              reason: { type: 'string' },
              count: { type: 'integer', description: 'how many messages the action touched' },
            },
          },
        },
      },
    },
  },
} as const;

const adminPaymentSchema = {
  ...paymentSchema,
  properties: {
    ...paymentSchema.properties,
    partner: { type: 'string' },
    agencyCode: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    providerCodes: { type: 'object', additionalProperties: { type: 'string' }, description: "the bank's codes behind a review" },
  },
} as const;

export const paymentAdminResponses = {
  payment: { 200: adminPaymentSchema, ...errorResponses('NOT_FOUND') },
  payments: { 200: { type: 'object', required: ['payments'], properties: { payments: { type: 'array', items: adminPaymentSchema } } } },
  reviewed: { 200: paymentSchema, ...errorResponses('NOT_FOUND', 'PAYMENT_NOT_UNDER_REVIEW') },
  refunded: {
    200: { type: 'object', required: ['paymentId', 'refund'], properties: { paymentId: { type: 'string' }, refund: refundSchema } },
    ...errorResponses('NOT_FOUND', 'REFUND_NOT_SUPPORTED', 'PAYMENT_NOT_REFUNDABLE', 'REFUND_IN_PROGRESS', 'REFUND_EXCEEDS_REMAINING', 'REFUND_REFUSED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE'),
  },
  reconciled: {
    200: {
      type: 'object',
      required: ['date', 'matched', 'missingInGateway', 'missingAtBank', 'mismatches', 'ok'],
      properties: {
        date: { type: 'string' },
        provider: { type: 'string' },
        matched: { type: 'integer' },
        missingInGateway: { type: 'array', items: { type: 'object', properties: { orderId: { type: 'string' }, transactionNo: { type: 'string' }, amount: { type: 'integer' }, gatewayStatus: { type: 'string' } } } },
        missingAtBank: { type: 'array', items: { type: 'object', properties: { orderId: { type: 'string' }, transactionNo: { type: 'string' }, amount: { type: 'integer' }, dossierCode: { type: 'string' } } } },
        mismatches: {
          type: 'array',
          items: { type: 'object', properties: { orderId: { type: 'string' }, field: { type: 'string', enum: ['amount', 'currency', 'transactionNo'] }, bank: { type: ['string', 'number'] }, gateway: { type: ['string', 'number'] } } },
        },
        ok: { type: 'boolean' },
      },
    },
  },
} as const;

