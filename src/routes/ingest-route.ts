import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../http/errors.ts';
import { acceptMessage } from '../messages/accept-message.ts';
import { authorizeAgency } from '../pipeline/authorize-agency.ts';
import { buildEnvelope } from '../pipeline/build-envelope.ts';
import { checkFreshness } from '../pipeline/check-freshness.ts';
import type { InboundMessageType } from '../pipeline/message-types.ts';
import type { ParsedBody } from '../pipeline/request-context.ts';
import { verifyRequestSignature } from '../pipeline/verify-signature.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { errorResponse } from '../http/openapi.ts';

/**
 * The life of one inbound message, in order. Authentication (onRequest hook), rate limiting (preParsing) and
 * body parsing (content-type parsers) have run before the handler; every later step is one call below.
 * Any step may refuse with a GatewayError; nothing is stored unless every step passed.
 */
export function registerIngestRoute<D>(app: FastifyInstance, path: string, messageType: InboundMessageType<D>, deps: ApiDeps): void {
  const destination = deps.config.routes[messageType.type];
  if (!destination) throw new Error(`no route configured for ${messageType.type}`);
  const queue = deps.queues.get(destination);
  const { clockSkewMs, idempotencyTtlMs } = deps.config.ingest;

  const recordOutcome = async (request: FastifyRequest, reply: FastifyReply) => {
    const outcome = request.errorCode ?? (reply.statusCode === 200 ? 'duplicate' : 'queued');
    deps.metrics.recordIngest(request.partner?.id ?? 'unauthenticated', messageType.type, outcome, reply.elapsedTime / 1000);
    if (request.errorCode) {
      // Refused messages are logged too, by their digest only: their content is not trusted and may be anything.
      const raw = (request.body as ParsedBody | undefined)?.raw;
      await deps.messageLog
        .append({ direction: 'inbound', partner: request.partner?.id, type: messageType.type, outcome, bodySha256: raw ? createHash('sha256').update(raw).digest('hex') : undefined })
        .catch((err: Error) => request.log.warn({ err: err.message }, 'message log append failed'));
    }
  };

  app.post(path, { onResponse: recordOutcome, schema: documentation(messageType, deps), validatorCompiler: documentationOnly }, async (request: FastifyRequest, reply: FastifyReply) => {
    const partner = request.partner!; //                                             1 authenticated
    const body = parsedBodyOf(request, messageType.xmlRoot); //                      2 parsed
    checkFreshness(request.headers['x-timestamp'] as string | undefined, clockSkewMs); // 3 fresh
    const document = deps.schemas.validate(messageType.schemaFile, body) as D; //    4 valid
    authorizeAgency(partner, messageType.agencyCodeOf(document)); //                 5 authorized
    const signature = await verifyRequestSignature(request.headers['x-signature'] as string | undefined, body, partner, {
      ...deps.signatures,
      clockSkewMs,
    }); //                                                                           6 authentic
    const envelope = buildEnvelope(messageType, document, body, partner, signature, request);
    const log = request.log.child({ messageId: envelope.messageId, dossierCode: envelope.dossierCode });

    let result;
    try {
      result = await acceptMessage(queue, envelope, { idempotencyTtlMs, retentionMs: deps.config.retention.deliveredMs }); // 7 deduped + durably queued
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not store the message');
      throw new GatewayError('UNAVAILABLE', 'the message store is unavailable; nothing was stored, retry later', [], { 'retry-after': '5' });
    }
    if (result.kind === 'conflict') {
      throw new GatewayError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used for a different body', [
        { path: 'header:idempotency-key', message: `already used by message ${result.messageId}` },
      ]);
    }
    // Bookkeeping after the message is safe: audit log and dossier timeline, in one round trip. A failure here
    // does not undo the acceptance (the worker indexes the timeline again).
    const bookkeeping = deps.messageLog.appendInto(deps.redis.pipeline(), {
      direction: 'inbound',
      messageId: result.messageId,
      partner: partner.id,
      type: messageType.type,
      outcome: result.kind,
      bodySha256: envelope.bodySha256,
      body: result.kind === 'queued' ? envelope.payload : undefined,
    });
    if (result.kind === 'queued') deps.timeline.indexInto(bookkeeping, envelope, destination);
    await bookkeeping.exec().catch((err: Error) => log.warn({ err: err.message }, 'message log or timeline write failed'));
    if (result.kind === 'duplicate') {
      log.info({ originalMessageId: result.messageId }, 'duplicate, not queued again');
      return reply.code(200).send({ messageId: result.messageId, status: 'duplicate', duplicate: true });
    }
    log.info({ destination }, 'accepted');
    return reply.code(202).send({ messageId: envelope.messageId, status: 'queued' });
  });
}

function parsedBodyOf(request: FastifyRequest, xmlRoot: string): ParsedBody {
  const body = request.body as ParsedBody | undefined;
  if (!body) throw new GatewayError('BODY_MALFORMED', 'a request body is required');
  if (body.format === 'xml' && body.root !== xmlRoot) {
    throw new GatewayError('BODY_MALFORMED', `XML root element must be <${xmlRoot}>`, [{ path: '/', message: `found <${body.root}>` }]);
  }
  return body;
}

/** The route schema documents the same versioned file the pipeline validates with; fastify must not validate it again. */
const documentationOnly = () => () => true;

function documentation(messageType: InboundMessageType<unknown>, deps: ApiDeps) {
  const { $schema: _draft, $id: _id, ...body } = deps.schemas.schemaOf(messageType.schemaFile) as Record<string, unknown>;
  return {
    summary: `Submit a signed ${messageType.type} message (JSON, or XML with root <${messageType.xmlRoot}>)`,
    security: [{ partnerKey: [] }],
    headers: {
      type: 'object',
      required: ['x-timestamp'],
      properties: {
        'x-signature': { type: 'string', description: 'base64 DER CMS SignedData over the exact body bytes (or an enveloped XML-DSig signature in XML)' },
        'x-timestamp': { type: 'string', description: 'ISO 8601 or epoch ms, within ±5 min' },
        'idempotency-key': { type: 'string', description: 'optional; else derived from the business event' },
        'x-trace-id': { type: 'string' },
      },
    },
    body,
    response: {
      202: { type: 'object', properties: { messageId: { type: 'string' }, status: { type: 'string', enum: ['queued'] } } },
      200: { type: 'object', properties: { messageId: { type: 'string' }, status: { type: 'string', enum: ['duplicate'] }, duplicate: { type: 'boolean' } } },
      '4xx': errorResponse,
      '5xx': errorResponse,
    },
  };
}
