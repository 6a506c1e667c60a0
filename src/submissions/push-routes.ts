import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../http/api-schemas.ts';
import { documentationOnly } from '../routes/ingest-documentation.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { decodeUtf8, MalformedText } from '../pipeline/decode-text.ts';
import { confirmReplicated } from '../http/replication.ts';
import { isBound } from '../pipeline/verify-signature.ts';
import { SignatureError } from '../signatures/signature-error.ts';
import { verifyCmsSignature } from '../signatures/verify-cms-signature.ts';
import type { SubmissionPoller } from './submission-poller.ts';

const pushDocumentation = {
  summary: 'The national portal pushes new online dossiers (instead of waiting for the poll)',
  tags: ['portal'],
  security: [],
  headers: { type: 'object', required: ['x-signature'], properties: { 'x-signature': { type: 'string', description: "base64 DER CMS SignedData over the body, by a certificate in submissions.push.certificates" } } },
  body: { type: 'object', required: ['items'], properties: { items: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object', additionalProperties: true, description: 'a dossier as in the portal\'s feed (dossier-submission.v1)' } } } },
  response: {
    202: { type: 'object', required: ['accepted', 'rejected'], properties: { accepted: { type: 'integer' }, rejected: { type: 'integer' } } },
    ...errorResponses('BODY_MALFORMED', 'SCHEMA_INVALID', 'BODY_TOO_LARGE', 'SIGNATURE_INVALID', 'CERT_UNTRUSTED', 'CERT_EXPIRED', 'CERT_NOT_BOUND', 'CERT_REVOKED', 'CERT_REVOCATION_UNKNOWN', 'CERT_USAGE_INVALID', 'ALGORITHM_WEAK', 'REPLICATION_PENDING', 'INTERNAL'),
  },
} as const;

/**
 * POST /v1/submissions/push: the portal pushes new online dossiers instead of waiting for the poll
 * (`submissions.push.certificates` set). Authenticated by the portal's CMS signature over the body, through the trust
 * store and bound to those certificates; the dossiers take the poll's path, so pushed and polled copies are one.
 */
export async function submissionPushRoutes(app: FastifyInstance, options: { deps: ApiDeps; poller: SubmissionPoller }): Promise<void> {
  const { deps, poller } = options;
  const certificates = deps.config.submissions.push?.certificates ?? [];
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_r, raw, done) => done(null, raw));
  app.post('/v1/submissions/push', { schema: pushDocumentation, validatorCompiler: documentationOnly }, async (request, reply) => {
    const raw = request.body as Buffer | undefined;
    if (!raw?.length) throw new GatewayError('BODY_MALFORMED', 'a JSON body {items: [...]} is required');
    const header = request.headers['x-signature'];
    try {
      if (typeof header !== 'string') throw new SignatureError('SIGNATURE_INVALID', 'X-Signature header (CMS over the body) is required');
      const verified = await verifyCmsSignature(header, raw, deps.signatures);
      if (!isBound(verified.signer, certificates)) throw new SignatureError('CERT_NOT_BOUND', `signer ${verified.signer.subject} may not push submissions`);
    } catch (err) {
      if (err instanceof SignatureError) throw new GatewayError(err.code, err.message, [{ path: 'header:x-signature', message: err.message }]);
      throw err;
    }
    let items: unknown;
    try {
      items = (JSON.parse(decodeUtf8(raw)) as { items?: unknown }).items;
    } catch (err) {
      if (err instanceof MalformedText) throw new GatewayError('BODY_MALFORMED', `body is not accepted as JSON: ${err.message}`, [{ path: '/', message: err.message }]);
      throw new GatewayError('BODY_MALFORMED', 'body is not valid JSON');
    }
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) throw new GatewayError('SCHEMA_INVALID', 'items must be a list of 1 to 100 dossiers', [{ path: '/items', message: 'bad length' }]);
    const replication = deps.replicas.ticket();
    const result = await poller.receivePushed(items);
    await confirmReplicated(replication, request.log);
    return reply.code(202).send(result);
  });
}
