import type { ApiDeps } from '../http/api-deps.ts';
import { errorResponses, jsonOrXml, signedDocumentErrors, signedRequestHeaders } from '../http/api-schemas.ts';
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

/** A signed document's body as the OpenAPI document shows it: its versioned JSON schema, in JSON or XML. */
export function signedDocumentBody(messageType: Pick<InboundMessageType<unknown>, 'schemaFile' | 'xmlRoot'>, deps: ApiDeps): Record<string, unknown> {
  const { $schema: _draft, $id: _id, definitions = {}, ...schema } = deps.schemas.schemaOf(messageType.schemaFile) as Record<string, unknown>;
  const body = inlineDefinitions(schema, definitions as Record<string, unknown>) as Record<string, unknown>;
  return { ...body, xml: { name: messageType.xmlRoot } };
}

export function documentation(messageType: InboundMessageType<unknown>, deps: ApiDeps) {
  return {
    summary: `Submit a signed ${messageType.type} message (JSON, or XML with root <${messageType.xmlRoot}>)`,
    description: `The body is \`${messageType.schemaFile}\`. In XML the root element is <${messageType.xmlRoot}> with the same fields as child elements, signed by an enveloped XML-DSig signature (or X-Signature over the bytes).`,
    consumes: jsonOrXml,
    headers: {
      ...signedRequestHeaders,
      properties: { ...signedRequestHeaders.properties, 'idempotency-key': { type: 'string', description: 'optional; else derived from the business event' } },
    },
    body: signedDocumentBody(messageType, deps),
    response: {
      202: { type: 'object', description: 'accepted and queued', required: ['messageId', 'status'], properties: { messageId: { type: 'string' }, status: { type: 'string', enum: ['queued'] } } },
      200: {
        type: 'object',
        description: 'the same message again: the first one\'s id',
        required: ['messageId', 'status', 'duplicate'],
        properties: { messageId: { type: 'string' }, status: { type: 'string', enum: ['duplicate'] }, duplicate: { type: 'boolean' } },
      },
      ...errorResponses(...signedDocumentErrors, 'IDEMPOTENCY_CONFLICT', 'UNAVAILABLE', 'REPLICATION_PENDING'),
    },
  };
}
