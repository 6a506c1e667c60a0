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
  xmlLists?: Record<string, string>;
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
  const body = parsedBodyOf(request, type); //                                         2 parsed
  checkFreshness(request.headers['x-timestamp'] as string | undefined, clockSkewMs); //        3 fresh
  const document = deps.schemas.validate(type.schemaFile, body) as D; //                        4 valid
  authorizeAgency(partner, type.agencyCodeOf(document)); //                                    5 authorized
  const signature = await verifyRequestSignature(request.headers['x-signature'] as string | undefined, body, partner, {
    ...deps.signatures,
    clockSkewMs,
  }); //                                                                                       6 authentic
  deps.partnerSigners?.record(partner.id, signature.signer); // its expiry is watched from now on (not awaited)
  return { body, document, signature };
}

function parsedBodyOf<D>(request: FastifyRequest, type: SignedDocumentType<D>): ParsedBody {
  const body = request.body as ParsedBody | undefined;
  if (!body) throw new GatewayError('BODY_MALFORMED', 'a request body is required');
  if (body.format !== 'xml') return body;
  if (body.root !== type.xmlRoot) {
    throw new GatewayError('BODY_MALFORMED', `XML root element must be <${type.xmlRoot}>`, [{ path: '/', message: `found <${body.root}>` }]);
  }
  return type.xmlLists ? { ...body, document: unwrapXmlLists(body.document as Record<string, unknown>, type.xmlLists) } : body;
}

/** `<fees><fee>a</fee><fee>b</fee></fees>` parses as `{fees: {fee: [a, b]}}` (one item: `{fee: a}`); the schema wants `fees: [a, b]`. */
function unwrapXmlLists(document: Record<string, unknown>, lists: Record<string, string>): Record<string, unknown> {
  const out = { ...document };
  for (const [list, item] of Object.entries(lists)) {
    const wrapper = out[list];
    if (wrapper === '') out[list] = [];
    else if (wrapper && typeof wrapper === 'object' && !Array.isArray(wrapper) && item in wrapper) {
      const items = (wrapper as Record<string, unknown>)[item];
      out[list] = Array.isArray(items) ? items : [items];
    }
  }
  return out;
}
