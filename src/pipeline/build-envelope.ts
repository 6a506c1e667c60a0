import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../http/errors.ts';
import type { Envelope } from '../messages/envelope.ts';
import { traceIdOfRequest } from '../observability/trace-context.ts';
import { signedMessageId } from '../messages/signed-message-id.ts';
import type { VerifiedSignature } from '../signatures/verify-cms-signature.ts';
import type { InboundMessageType } from './message-types.ts';
import type { AuthenticatedPartner, ParsedBody } from './request-context.ts';

const idempotencyKeyPattern = /^[\x21-\x7e]{1,200}$/;

export function idempotencyKeyOf(request: FastifyRequest, naturalKey: () => string): Pick<Envelope, 'idempotencyKey' | 'idempotencyKeySource'> {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return { idempotencyKey: naturalKey(), idempotencyKeySource: 'derived' };
  if (typeof header !== 'string' || !idempotencyKeyPattern.test(header)) {
    throw new GatewayError('SCHEMA_INVALID', 'Idempotency-Key must be 1-200 printable ASCII characters', [
      { path: 'header:idempotency-key', message: 'invalid format' },
    ]);
  }
  return { idempotencyKey: header, idempotencyKeySource: 'header' };
}

/** Everything the worker and the audit need, fixed at acceptance time. */
export function buildEnvelope<D>(
  messageType: InboundMessageType<D>,
  document: D,
  body: ParsedBody,
  partner: AuthenticatedPartner,
  signature: VerifiedSignature,
  request: FastifyRequest,
): Envelope {
  const messageId = signedMessageId(partner.id, signature);
  return {
    messageId,
    type: messageType.type,
    partner: partner.id,
    agencyCode: messageType.agencyCodeOf(document),
    dossierCode: messageType.dossierCodeOf(document),
    ...idempotencyKeyOf(request, () => messageType.naturalKeyOf(document)),
    bodySha256: hash('sha256', body.raw, 'hex'),
    traceId: traceIdOfRequest(request.raw), // traceparent, else X-Trace-Id, else new: the one the request's log lines carry
    receivedAt: new Date().toISOString(),
    orderingTime: messageType.orderingTimeOf(document),
    ...(messageType.orderingKeyOf ? { orderingKey: messageType.orderingKeyOf(document, messageId) } : {}),
    signer: { fingerprint256: signature.signer.fingerprint256, subject: signature.signer.subject },
    payload: document as Record<string, unknown>,
  };
}
