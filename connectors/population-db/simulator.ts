import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import { authorizationOf } from './direct-call.ts';
import { authHashOf, lgspAccessTokenOf } from './lgsp-wrapped-call.ts';
import { populationOptionsOf, type DirectOptions, type LgspWrappedOptions } from './options.ts';
import { soapFault, toLookupResponse, type AnswerShape } from './simulated-answer.ts';
import { readLookupRequest } from './simulated-request.ts';
import { fullNameOf, generateCitizens, type SyntheticCitizen } from './synthetic-citizens.ts';

export interface RegistryFaults extends SimulatorFaults {
  /** Answer with another citizen's record (the gateway must refuse it, never pass it on). */
  wrongAnswer?: boolean;
  /** Answer with a SOAP Fault. */
  soapFault?: boolean;
  /** Answer in this shape (default "bare", as the public samples). */
  answerShape?: AnswerShape;
}

/** What the simulated registry received with one lookup: tests assert on it. Synthetic people only. */
export interface RegistryLookupSeen {
  mode: 'direct' | 'lgsp-wrapped';
  requestId: string;
  /** The operation's child elements in the order sent. */
  elements: string[];
  fields: Record<string, string>;
  /** Headers the protocol fixes, as received. */
  soapAction?: string;
  contentType?: string;
  found: boolean;
  at: string;
}

export interface RegistryStats {
  lookups: number;
  tokens: number;
  refused: number;
}

/**
 * Imitates the National Population Database's TraCuuThongTinCongDan with a registry of synthetic citizens (2,000
 * made up from a fixed seed, plus the well-known ones the README lists), in the connector's mode:
 * - direct: checks Timestamp (±5 min), the Authorization hash over the configured authUrl, and ApiKey;
 * - lgsp-wrapped: plays the LGSP too: issues tokens at getToken for the right lgspaccesstoken, and on the wrapped
 *   path checks the Bearer token (401), lgspaccesstoken and AuthHash (403) before reading the SOAP body.
 * Then it refuses a request without MaCanBo, MaDVC, the configured MaTichHop, or an ID (SOAP fault), and answers
 * in the public samples' bare shape. Faults: latencyMs, failNext/status, hangNext, wrongAnswer, soapFault,
 * answerShape. GET /_sim/citizens lists citizens; POST /_sim/tokens/revoke forgets every token issued.
 */
export function buildPopulationSimulator(options: Record<string, unknown>, citizens: SyntheticCitizen[] = generateCitizens(2000)): FastifyInstance {
  const config = populationOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const tokens = new Set<string>();
  const kit = new SimulatorKit<RegistryLookupSeen>(app, options, () => tokens.clear());
  Object.assign(kit.stats, { lookups: 0, tokens: 0, refused: 0 } satisfies RegistryStats);
  const byId = new Map(citizens.map((c) => [c.personalId, c]));
  const byOldId = new Map(citizens.filter((c) => c.oldIdNumber).map((c) => [c.oldIdNumber!, c]));
  app.addContentTypeParser(['text/xml', 'application/xml', 'application/soap+xml'], { parseAs: 'string' }, (_r, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));

  const refuse = (reply: FastifyReply, status: number, message: string) => {
    kit.count('refused');
    return reply.code(status).type('application/json').send({ error: message });
  };

  const answerLookup = async (req: FastifyRequest, reply: FastifyReply) => {
    const request = readLookupRequest(typeof req.body === 'string' ? req.body : '');
    if (!request) return reply.code(500).type('text/xml').send(soapFault('not a TraCuuThongTinCongDan request'));
    const { fields } = request;
    const missing = ['MaYeuCau', 'MaDVC', 'MaCanBo'].filter((f) => !fields[f]);
    if (!fields.SoDinhDanh && !fields.SoCMND) missing.push('SoDinhDanh|SoCMND');
    if (missing.length) return reply.code(500).type('text/xml').send(soapFault(`thiếu ${missing.join(', ')}`));
    if (fields.MaTichHop !== config.integrationCode) return reply.code(500).type('text/xml').send(soapFault(`MaTichHop ${fields.MaTichHop ?? ''} không hợp lệ`));
    const faults = kit.faults as RegistryFaults;
    if (faults.soapFault) return reply.code(500).type('text/xml').send(soapFault('He thong dang bao tri'));
    let citizen = fields.SoDinhDanh ? byId.get(fields.SoDinhDanh) : byOldId.get(fields.SoCMND!);
    if (faults.wrongAnswer) citizen = citizens.find((c) => c.personalId !== fields.SoDinhDanh && c.oldIdNumber !== fields.SoCMND);
    kit.received.set(fields.MaYeuCau!, {
      mode: config.mode,
      requestId: fields.MaYeuCau!,
      elements: request.elements,
      fields,
      soapAction: req.headers.soapaction as string | undefined,
      contentType: req.headers['content-type'],
      found: Boolean(citizen),
      at: new Date().toISOString(),
    });
    return reply.type('text/xml; charset=utf-8').send(toLookupResponse(citizen, faults.answerShape));
  };

  if (config.mode === 'direct') serveDirect(app, config, kit, refuse, answerLookup);
  else serveLgspWrapped(app, config, kit, tokens, refuse, answerLookup);

  app.post('/_sim/tokens/revoke', async () => {
    tokens.clear();
    return { revoked: true };
  });
  app.get('/_sim/citizens', async (req) => {
    const limit = Math.min(Number((req.query as { limit?: string }).limit ?? 20), 500);
    return {
      count: citizens.length,
      citizens: citizens.slice(0, limit).map((c) => ({ personalId: c.personalId, oldIdNumber: c.oldIdNumber, fullName: fullNameOf(c), dateOfBirth: c.dateOfBirth })),
    };
  });
  return app;
}

type Refuse = (reply: FastifyReply, status: number, message: string) => FastifyReply;
type Answer = (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

function serveDirect(app: FastifyInstance, config: DirectOptions, kit: SimulatorKit<RegistryLookupSeen>, refuse: Refuse, answer: Answer): void {
  app.post(config.path, async (req, reply) => {
    kit.count('lookups');
    if (await kit.injectFaults(reply, '<error>injected fault</error>')) return reply;
    const timestamp = String(req.headers.timestamp ?? '');
    const expected = authorizationOf(config.authUrl, config.username, config.secret, timestamp);
    if (req.headers.authorization !== expected || req.headers.apikey !== config.apiKey || !(Math.abs(Date.now() - Number(timestamp)) <= 300_000)) {
      return refuse(reply, 401, 'unauthorized');
    }
    return answer(req, reply);
  });
}

function serveLgspWrapped(app: FastifyInstance, config: LgspWrappedOptions, kit: SimulatorKit<RegistryLookupSeen>, tokens: Set<string>, refuse: Refuse, answer: Answer): void {
  const lgspAccessToken = lgspAccessTokenOf(config);
  const authHash = authHashOf(config);
  app.post(config.getToken, async (req, reply) => {
    if (req.headers.lgspaccesstoken !== lgspAccessToken || req.body !== 'grant_type=client_credentials') return refuse(reply, 401, 'invalid lgspaccesstoken');
    kit.count('tokens');
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    return { access_token: token, token_type: 'Bearer', expires_in: 3600 };
  });
  app.post(config.TraCuuThongTinCongDan, async (req, reply) => {
    kit.count('lookups');
    if (await kit.injectFaults(reply, '<error>injected fault</error>')) return reply;
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return refuse(reply, 401, 'invalid or expired token');
    if (req.headers.lgspaccesstoken !== lgspAccessToken) return refuse(reply, 403, 'invalid lgspaccesstoken');
    if (req.headers.authhash !== authHash) return refuse(reply, 403, 'invalid AuthHash');
    return answer(req, reply);
  });
}

export async function startPopulationSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildPopulationSimulator(options.options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
