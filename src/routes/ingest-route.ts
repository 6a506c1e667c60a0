import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../http/errors.ts';
import { confirmReplicated } from '../http/replication.ts';
import { acceptMessage, acceptRecords, checkAcceptAtOnce } from '../messages/accept-message.ts';
import { buildEnvelope } from '../pipeline/build-envelope.ts';
import type { InboundMessageType } from '../pipeline/message-types.ts';
import type { ParsedBody } from '../pipeline/request-context.ts';
import { readSignedRequest } from '../pipeline/read-signed-request.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { recordRefused } from '../pipeline/record-outcome.ts';
import { documentation, documentationOnly } from './ingest-documentation.ts';

/**
 * The life of one inbound message, in order. Authentication (onRequest hook), rate limiting (preParsing) and
 * body parsing (content-type parsers) have run before the handler; every later step is one call below.
 * Any step may refuse with a GatewayError; nothing is stored unless every step up to 7 passed.
 */
export function registerIngestRoute<D>(app: FastifyInstance, path: string, messageType: InboundMessageType<D>, deps: ApiDeps): void {
  const [destination, ...others] = deps.config.routes[messageType.type] ?? [];
  if (!destination) throw new Error(`no route configured for ${messageType.type}`);
  // Inbound acceptance is one atomic dedupe+enqueue into one queue; fan-out is for messages the gateway produces.
  if (others.length) throw new Error(`/routes/${messageType.type}: a partner-facing message type is delivered to exactly one destination`);
  const queue = deps.queues.get(destination);
  // Fails the start if BullMQ no longer adds jobs the way the one-script acceptance composes it (accept-script.ts).
  app.addHook('onReady', () => checkAcceptAtOnce(queue, deps.messageLog.redis));
  const { idempotencyTtlMs, clockSkewMs } = deps.config.ingest;
  /**
   * One signature, one message (the messageId names the signature, see signed-message-id): remembered beyond its job
   * for as long as a signature could pass the freshness check again, signingTime ± clockSkewMs.
   */
  const signatureMemory = (messageId: string) => ({ redis: deps.redis, key: `${deps.config.redis.prefix}:signed-message:${messageId}`, ttlMs: 2 * clockSkewMs });

  /** Every answer, accepted or refused, is counted; refusals are also written to the message log. */
  const countOutcome = async (request: FastifyRequest, reply: FastifyReply) => {
    const outcome = request.errorCode ?? (reply.statusCode === 200 ? 'duplicate' : 'queued');
    deps.metrics.recordIngest(request.partner?.id ?? 'unauthenticated', messageType.type, outcome, reply.elapsedTime / 1000);
    if (request.errorCode) await recordRefused(deps, messageType.type, request.errorCode, request.partner?.id, request.body as ParsedBody | undefined, request.log);
  };

  app.post(path, { onResponse: countOutcome, schema: documentation(messageType, deps), validatorCompiler: documentationOnly }, async (request: FastifyRequest, reply: FastifyReply) => {
    const { body, document, signature } = await readSignedRequest<D>(request, messageType, deps); // 1–6 (pipeline/read-signed-request)
    const envelope = buildEnvelope(messageType, document, body, request.partner!, signature, request);
    // Made only when a line is written: a child logger per request costs more than the lines it rarely writes.
    let child: FastifyBaseLogger | undefined;
    const log = () => (child ??= request.log.child({ messageId: envelope.messageId, dossierCode: envelope.dossierCode }));
    const logInfo = (request.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled('info');

    const replication = deps.replicas.ticket();
    let result;
    try {
      result = await acceptMessage(queue, envelope, {
        idempotencyTtlMs,
        redis: deps.redis,
        signature: signatureMemory(envelope.messageId),
        records: acceptRecords(deps, destination, log),
      }); // 7 deduped + durably queued, 8 recorded (the log entry and the timeline, in the same script)
    } catch (err) {
      log().error({ err: (err as Error).message }, 'could not store the message');
      throw new GatewayError('UNAVAILABLE', 'the message store is unavailable; nothing was stored, retry later', [], { 'retry-after': '5' });
    }
    if (result.kind === 'conflict') {
      throw new GatewayError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used for a different body', [
        { path: 'header:idempotency-key', message: `already used by message ${result.messageId}` },
      ]);
    }
    await confirmReplicated(replication, request.log); //                                   9 on enough replicas (redis.minReplicasAcked)
    if (result.kind === 'duplicate') {
      if (logInfo) log().info({ originalMessageId: result.messageId }, 'duplicate, not queued again');
      return reply.code(200).send({ messageId: result.messageId, status: 'duplicate', duplicate: true });
    }
    if (logInfo) log().info({ destination }, 'accepted');
    return reply.code(202).send({ messageId: envelope.messageId, status: 'queued' });
  });
}
