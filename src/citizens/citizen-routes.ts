import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses, jsonOrXml, signedDocumentErrors, signedRequestHeaders } from '../http/api-schemas.ts';
import { documentationOnly, signedDocumentBody } from '../routes/ingest-documentation.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { readSignedRequest } from '../pipeline/read-signed-request.ts';
import { checkPersonalId } from './personal-id.ts';
import { VerificationUnavailable, type CitizenVerifier, type Verification } from './verify-citizen.ts';

export interface CitizenVerifyV1 {
  personalId: string;
  fullName: string;
  dateOfBirth: string;
  dossierCode: string;
  agencyCode: string;
  purpose: string;
  officer: { id: string; phone?: string };
  serviceCode?: string;
}

const citizenVerifyType = { schemaFile: 'citizen-verify.v1.json', xmlRoot: 'CitizenVerify', agencyCodeOf: (d: CitizenVerifyV1) => d.agencyCode };

function verifyDocumentation(deps: ApiDeps) {
  return {
    summary: "Check a citizen's identity against the population registry (signed, JSON or XML with root <CitizenVerify>)",
    description: 'The answer says match or not, and which fields differ; never the registry\'s record.',
    consumes: jsonOrXml,
    headers: signedRequestHeaders,
    body: signedDocumentBody(citizenVerifyType, deps),
    response: {
      200: {
        type: 'object',
        required: ['lookupId', 'match', 'mismatchedFields', 'checkedAt'],
        properties: {
          lookupId: { type: 'string' },
          match: { type: 'boolean' },
          mismatchedFields: {
            type: 'array',
            description: 'which fields differ from the registry (never the registry\'s values)',
            items: { type: 'object', required: ['field'], properties: { field: { type: 'string' }, reason: { type: 'string' } } },
          },
          checkedAt: { type: 'string', format: 'date-time' },
        },
      },
      ...errorResponses(...signedDocumentErrors, 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE'),
    },
  };
}

/**
 * POST /v1/citizens/verify: synchronous. Signed request steps → ID structure → registry (breaker, bulkhead,
 * timeout) → verdict. Every lookup, answered or not, is one record of the tamper-evident log with the personal
 * ID as a salted HMAC; the registry's record itself is never returned or logged.
 */
export function registerCitizenRoutes(app: FastifyInstance, deps: ApiDeps, verifier: CitizenVerifier, registryName: string): void {
  app.post('/v1/citizens/verify', { schema: verifyDocumentation(deps), validatorCompiler: documentationOnly }, async (request: FastifyRequest) => {
    const { document } = await readSignedRequest<CitizenVerifyV1>(request, citizenVerifyType, deps); // 1–6
    const { problems } = checkPersonalId(document.personalId, document.dateOfBirth); //                   ID structure
    if (problems.length) throw new GatewayError('SCHEMA_INVALID', 'personalId is not a valid personal identification number', problems);
    const lookupId = randomUUID();
    const partner = request.partner!.id;
    const purpose = {
      partner,
      agencyCode: document.agencyCode,
      dossierCode: document.dossierCode,
      requestId: lookupId,
      officerId: document.officer.id,
      officerPhone: document.officer.phone,
      serviceCode: document.serviceCode,
    };
    let verification: Verification | undefined;
    let outcome: string;
    try {
      verification = await verifier.verify(document, purpose); //                                       registry
      outcome = !verification.found ? 'not-found' : verification.match ? 'match' : 'mismatch';
    } catch (err) {
      if (!(err instanceof VerificationUnavailable)) throw err;
      outcome = err.kind;
      await audit(deps, lookupId, partner, document, outcome, request);
      deps.metrics.recordRegistryLookup(registryName, outcome);
      request.log.warn({ lookupId, reason: err.kind, err: err.message }, 'citizen verification unavailable');
      const code = err.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
      throw new GatewayError(code, `${err.message}; no verdict was given, retry later`, [], { 'retry-after': String(Math.max(1, err.retryAfterSeconds)) });
    }
    await audit(deps, lookupId, partner, document, outcome, request); //                                   recorded
    deps.metrics.recordRegistryLookup(registryName, outcome);
    request.log.info({ lookupId, dossierCode: document.dossierCode, outcome }, 'citizen verified');
    return { lookupId, match: verification.match, mismatchedFields: verification.mismatchedFields, checkedAt: new Date().toISOString() };
  });
}

/** Who looked whom up, for which dossier and why, and what came of it. The citizen's and the official's personal data become HMACs. */
async function audit(deps: ApiDeps, lookupId: string, partner: string, doc: CitizenVerifyV1, outcome: string, request: FastifyRequest): Promise<void> {
  await deps.messageLog
    .append({
      direction: 'inbound',
      messageId: lookupId,
      partner,
      type: 'citizen.verify.v1',
      outcome,
      body: {
        agencyCode: doc.agencyCode,
        dossierCode: doc.dossierCode,
        purpose: doc.purpose,
        serviceCode: doc.serviceCode,
        personalId: doc.personalId,
        fullName: doc.fullName,
        dateOfBirth: doc.dateOfBirth,
        officerId: doc.officer.id,
        ...(doc.officer.phone ? { officerPhone: doc.officer.phone } : {}),
      },
    })
    .catch((err: Error) => request.log.warn({ err: err.message }, 'message log append failed'));
}
