import type { ApiDeps } from '../http/api-deps.ts';
import { errorResponse } from '../http/openapi.ts';
import type { InboundMessageType } from '../pipeline/message-types.ts';

/** The route schema documents the same versioned file the pipeline validates with; fastify must not validate it again. */
export const documentationOnly = () => () => true;

/**
 * OpenAPI has no `definitions`: a schema's local `#/definitions/x` references are written out in place (the field's
 * own description kept), so the document stands alone.
 */
function inlineDefinitions(node: unknown, definitions: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => inlineDefinitions(n, definitions));
  if (!node || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inlineDefinitions(v, definitions)]));
  const name = typeof $ref === 'string' ? /^#\/definitions\/(.+)$/.exec($ref)?.[1] : undefined;
  return name ? { ...(inlineDefinitions(definitions[name], definitions) as object), ...out } : $ref === undefined ? out : { $ref, ...out };
}

export function documentation(messageType: InboundMessageType<unknown>, deps: ApiDeps) {
  const { $schema: _draft, $id: _id, definitions = {}, ...schema } = deps.schemas.schemaOf(messageType.schemaFile) as Record<string, unknown>;
  const body = inlineDefinitions(schema, definitions as Record<string, unknown>) as Record<string, unknown>;
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
        traceparent: { type: 'string', description: 'optional W3C Trace Context (00-<trace id>-<parent id>-<flags>): its trace id is logged and sent on' },
        'x-trace-id': { type: 'string', description: 'optional, used when no valid traceparent comes: 8-64 letters, digits or dashes' },
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
