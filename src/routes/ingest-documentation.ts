import type { ApiDeps } from '../http/api-deps.ts';
import { errorResponse } from '../http/openapi.ts';
import type { InboundMessageType } from '../pipeline/message-types.ts';

/** The route schema documents the same versioned file the pipeline validates with; fastify must not validate it again. */
export const documentationOnly = () => () => true;

export function documentation(messageType: InboundMessageType<unknown>, deps: ApiDeps) {
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
