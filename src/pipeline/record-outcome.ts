import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import type { AcceptResult } from '../messages/accept-message.ts';
import type { Envelope } from '../messages/envelope.ts';
import type { ParsedBody } from './request-context.ts';

/**
 * Step 8, record: after a message is safe, the audit log and the dossier timeline, sent together (one round trip
 * on the api's auto-pipelined connection, shared with the other requests of the moment; no pipeline object per
 * request). A failure here does not undo the acceptance (the worker indexes the timeline again, and the miss is
 * logged).
 */
export async function recordAccepted(deps: ApiDeps, result: AcceptResult, envelope: Envelope, destination: string, log: () => FastifyBaseLogger): Promise<void> {
  const entry = {
    direction: 'inbound' as const,
    messageId: result.messageId,
    partner: envelope.partner,
    type: envelope.type,
    outcome: result.kind,
    bodySha256: envelope.bodySha256,
    body: result.kind === 'queued' ? envelope.payload : undefined,
  };
  await Promise.all([deps.messageLog.append(entry), result.kind === 'queued' ? deps.timeline.index(envelope, destination) : undefined]).catch((err: Error) =>
    log().warn({ err: err.message }, 'message log or timeline write failed'),
  );
}

/** A refused message is logged by its digest only: its content is not trusted and may be anything. */
export async function recordRefused(deps: ApiDeps, type: string, code: string, partner: string | undefined, body: ParsedBody | undefined, log: FastifyBaseLogger): Promise<void> {
  const bodySha256 = body?.raw ? createHash('sha256').update(body.raw).digest('hex') : undefined;
  await deps.messageLog
    .append({ direction: 'inbound', partner, type, outcome: code, bodySha256 })
    .catch((err: Error) => log.warn({ err: err.message }, 'message log append failed'));
}
