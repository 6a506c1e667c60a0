import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import type { ParsedBody } from './request-context.ts';

/** A refused message is logged by its digest only: its content is not trusted and may be anything. */
export async function recordRefused(deps: ApiDeps, type: string, code: string, partner: string | undefined, body: ParsedBody | undefined, log: FastifyBaseLogger): Promise<void> {
  const bodySha256 = body?.raw ? createHash('sha256').update(body.raw).digest('hex') : undefined;
  await deps.messageLog
    .append({ direction: 'inbound', partner, type, outcome: code, bodySha256 })
    .catch((err: Error) => log.warn({ err: err.message }, 'message log append failed'));
}
