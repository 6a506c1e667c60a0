import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { TrustStore } from '../../src/signatures/trust-store.ts';
import { VerifiedChainCache } from '../../src/signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../../src/signatures/verify-cms-signature.ts';
import { portalOptionsOf } from './options.ts';

/** One effect the portal applied: what the gateway will be judged on. */
export interface ReceivedStatusSync {
  idempotencyKey: string;
  traceId?: string;
  /** Subject of the certificate that signed the request, when the simulator verifies signatures. */
  signer?: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

export interface PortalFaults {
  /** The next N sync requests fail with `status`. */
  failNext?: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Added to every sync request. */
  latencyMs?: number;
  /** The next N sync requests never answer (the client times out). */
  hangNext?: number;
  /** Tokens live this long (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

const statusSyncSchema = JSON.parse(readFileSync(new URL('./schemas/status-sync.json', import.meta.url), 'utf8'));

/**
 * Imitates the national portal: an OAuth2 token endpoint and the status-sync endpoint, which checks the bearer
 * token, validates the mapped payload, applies each Idempotency-Key once and records it. `/_sim/*` lets tests
 * and the sandbox read what arrived and inject faults.
 */
export function buildNationalPortalSimulator(options: Record<string, unknown>): FastifyInstance {
  const { clientId, clientSecret, tokenPath, syncPath } = portalOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  // Like the real portal, trust the gateway's CA and refuse what it did not sign (option gatewayTrustDir).
  const trustDir = typeof options.gatewayTrustDir === 'string' ? options.gatewayTrustDir : undefined;
  const signatureDeps = trustDir ? { trustStore: new TrustStore([trustDir]), chainCache: new VerifiedChainCache(60_000) } : undefined;
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, raw, done) => {
    try {
      done(null, { raw, json: JSON.parse((raw as Buffer).toString('utf8')) });
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const validate = new Ajv({ allErrors: true, strict: false }).compile(statusSyncSchema);
  const tokens = new Map<string, number>();
  const received = new Map<string, ReceivedStatusSync>();
  const stats = { syncRequests: 0, tokenRequests: 0 };
  let faults: PortalFaults = {};

  app.post(tokenPath, async (request, reply) => {
    stats.tokenRequests += 1;
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return reply.code(401).send({ error: 'invalid_client' });
    const lifetime = faults.tokenLifetimeSeconds ?? 3600;
    const token = randomBytes(16).toString('hex');
    tokens.set(token, Date.now() + lifetime * 1000);
    return { access_token: token, token_type: 'Bearer', expires_in: lifetime };
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));

  app.post(syncPath, async (request: FastifyRequest, reply: FastifyReply) => {
    stats.syncRequests += 1;
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.hangNext && faults.hangNext > 0) {
      faults.hangNext -= 1;
      await new Promise((r) => setTimeout(r, 120_000).unref());
      return reply.code(504).send({ error_code: '99' });
    }
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    if (!expiry || expiry < Date.now()) return reply.code(401).send({ error_code: '401', message: 'invalid or expired token' });
    if (faults.failNext && faults.failNext > 0) {
      faults.failNext -= 1;
      if (faults.retryAfterSeconds !== undefined) reply.header('retry-after', String(faults.retryAfterSeconds));
      return reply.code(faults.status ?? 503).send({ error_code: '99', message: 'injected fault' });
    }
    const idempotencyKey = request.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || !idempotencyKey) return reply.code(400).send({ error_code: '02', message: 'Idempotency-Key required' });
    const { raw, json } = request.body as { raw: Buffer; json: unknown };
    let signer: string | undefined;
    if (signatureDeps) {
      const signature = request.headers['x-signature'];
      if (typeof signature !== 'string') return reply.code(400).send({ error_code: '03', message: 'X-Signature required' });
      try {
        signer = (await verifyCmsSignature(signature, raw, signatureDeps)).signer.subject;
      } catch (err) {
        return reply.code(400).send({ error_code: '03', message: `signature refused: ${(err as Error).message}` });
      }
    }
    if (!validate(json)) {
      return reply.code(400).send({ error_code: '01', message: 'invalid payload', details: validate.errors?.map((e) => `${e.instancePath} ${e.message}`) });
    }
    if (received.has(idempotencyKey)) return { error_code: '00', message: 'already applied', duplicate: true };
    received.set(idempotencyKey, {
      idempotencyKey,
      traceId: request.headers['x-trace-id'] as string | undefined,
      signer,
      payload: json as Record<string, unknown>,
      receivedAt: new Date().toISOString(),
    });
    return { error_code: '00', message: 'ok' };
  });

  app.get('/_sim/received', async () => ({ effects: [...received.values()], stats }));
  app.post('/_sim/faults', async (request) => {
    faults = { ...(request.body as { json: PortalFaults }).json };
    return { faults };
  });
  app.post('/_sim/tokens/revoke', async () => {
    tokens.clear();
    return { revoked: true };
  });
  app.post('/_sim/reset', async () => {
    received.clear();
    tokens.clear();
    faults = {};
    stats.syncRequests = 0;
    stats.tokenRequests = 0;
    return { reset: true };
  });
  return app;
}

export async function startNationalPortalSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildNationalPortalSimulator(options.options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}
