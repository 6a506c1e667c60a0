import type { FastifyRequest } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import type { VerifiedSignature } from '../signatures/verify-cms-signature.ts';
import { authorizeAgency } from './authorize-agency.ts';
import { checkFreshness } from './check-freshness.ts';
import type { ParsedBody } from './request-context.ts';
import { verifyRequestSignature } from './verify-signature.ts';

/** What a partner-facing route needs to know of its document to run the common steps. */
export interface SignedDocumentType<D> {
  schemaFile: string;
  xmlRoot: string;
  agencyCodeOf(doc: D): string;
}

export interface SignedRequest<D> {
  body: ParsedBody;
  document: D;
  signature: VerifiedSignature;
}

/**
 * Steps 2–6 of every partner request that carries a document, in order: parsed → fresh → valid → authorized for
 * its agency → authentically signed by a certificate bound to the partner. Step 1 (authentication) ran in the
 * onRequest hook. Throws the GatewayError of the first step that refuses.
 */
export async function readSignedRequest<D>(request: FastifyRequest, type: SignedDocumentType<D>, deps: ApiDeps): Promise<SignedRequest<D>> {
  const { clockSkewMs } = deps.config.ingest;
  const partner = request.partner!; //                                                        1 authenticated
  const body = parsedBodyOf(request, type.xmlRoot); //                                         2 parsed
  checkFreshness(request.headers['x-timestamp'] as string | undefined, clockSkewMs); //        3 fresh
  const document = deps.schemas.validate(type.schemaFile, body) as D; //                        4 valid
  authorizeAgency(partner, type.agencyCodeOf(document)); //                                    5 authorized
  const signature = await verifyRequestSignature(request.headers['x-signature'] as string | undefined, body, partner, {
    ...deps.signatures,
    clockSkewMs,
  }); //                                                                                       6 authentic
  return { body, document, signature };
}

function parsedBodyOf(request: FastifyRequest, xmlRoot: string): ParsedBody {
  const body = request.body as ParsedBody | undefined;
  if (!body) throw new GatewayError('BODY_MALFORMED', 'a request body is required');
  if (body.format === 'xml' && body.root !== xmlRoot) {
    throw new GatewayError('BODY_MALFORMED', `XML root element must be <${xmlRoot}>`, [{ path: '/', message: `found <${body.root}>` }]);
  }
  return body;
}
