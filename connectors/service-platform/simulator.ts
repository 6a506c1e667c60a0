import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit } from '../../src/connectors/simulator-kit.ts';
import { forwardToUpstream } from './forward.ts';
import { IssuedTokens } from './issued-tokens.ts';
import { platformSimulatorOptionsOf, type PlatformService } from './options.ts';
import { platformErrors, type PlatformError } from './platform-errors.ts';

/** One call the platform let through to a system: what tests and the sandbox check. */
export interface ForwardedCall {
  sequence: number;
  serviceCode: string;
  method: string;
  /** Path and query as called on the platform. */
  path: string;
  /** Where it went on to: the system's URL for the service plus what followed the service's path. */
  upstreamUrl: string;
  /** The system's answer, or null when it could not be reached. */
  upstreamStatus: number | null;
  receivedAt: string;
}

/** How long the platform waits for a system before giving up on it (longer than any gateway timeout). */
const upstreamTimeoutMs = 60_000;

const send = (reply: FastifyReply, error: PlatformError) => reply.code(error.statusCode).send(error.body);

/** The published service whose path is the longest prefix of `pathname`, at a path-segment boundary. */
export function serviceFor(services: PlatformService[], pathname: string): PlatformService | undefined {
  let best: PlatformService | undefined;
  for (const s of services) {
    const under = pathname === s.path || pathname.startsWith(s.path.endsWith('/') ? s.path : `${s.path}/`);
    if (under && (!best || s.path.length > best.path.length)) best = s;
  }
  return best;
}

/**
 * Imitates a government service platform (a province's LGSP, the national NGSP) as VietOpenCPS's LGSP clients call
 * it: a token by POST `grant_type=client_credentials` with the consumer's key in `Authorization` at the token path;
 * every service call with `Authorization: Bearer <token>` and the service's `service-code` header, passed on to the
 * system behind it with the body bytes and the system's own headers as they came, and the system's answer returned
 * unchanged. `/_sim/tokens/revoke` expires every token; `/_sim/received` lists the calls it forwarded.
 */
export function buildPlatformSimulator(rawOptions: Record<string, unknown>): FastifyInstance {
  const options = platformSimulatorOptionsOf(rawOptions);
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 32 * 1024 * 1024 });
  const tokens = new IssuedTokens(options.tokenLifetimeSeconds);
  const kit = new SimulatorKit<ForwardedCall>(app, {});
  for (const stat of ['tokensIssued', 'tokensRefused', 'forwarded', 'refused']) kit.stats[stat] = 0;
  const tokenPaths = new Set(options.clients.map((c) => c.tokenPath));
  let sequence = 0;

  app.post('/_sim/tokens/revoke', async () => ({ revoked: tokens.revokeAll() }));
  app.get('/_sim/services', async () => ({ platform: options.platform, services: options.services }));

  const issueToken = (request: FastifyRequest, pathname: string, reply: FastifyReply) => {
    const form = new URLSearchParams(request.body instanceof Buffer ? request.body.toString('utf8') : '');
    if (form.get('grant_type') !== 'client_credentials') {
      kit.count('tokensRefused');
      return send(reply, platformErrors.unsupportedGrant);
    }
    const known = options.clients.some((c) => c.tokenPath === pathname && c.authorization === request.headers.authorization);
    if (!known) {
      kit.count('tokensRefused');
      return send(reply, platformErrors.invalidClient);
    }
    kit.count('tokensIssued');
    return reply.send(tokens.issue());
  };

  const callService = async (request: FastifyRequest, pathname: string, search: string, reply: FastifyReply) => {
    const service = serviceFor(options.services, pathname);
    if (!service) return send(reply, platformErrors.notFound);
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const refusal = !bearer ? platformErrors.missingCredentials : !tokens.isValid(bearer) ? platformErrors.invalidCredentials : request.headers['service-code'] !== service.serviceCode ? platformErrors.forbidden : undefined;
    if (refusal) {
      kit.count('refused');
      return send(reply, refusal);
    }
    sequence += 1;
    const upstreamUrl = service.upstream + pathname.slice(service.path.length) + search;
    const call: ForwardedCall = { sequence, serviceCode: service.serviceCode, method: request.method, path: pathname + search, upstreamUrl, upstreamStatus: null, receivedAt: new Date().toISOString() };
    kit.received.set(String(sequence), call);
    kit.count('forwarded');
    let answer;
    try {
      answer = await forwardToUpstream(upstreamUrl, request.method, request.headers, request.body instanceof Buffer ? request.body : undefined, upstreamTimeoutMs);
    } catch {
      return send(reply, platformErrors.backendUnreachable);
    }
    call.upstreamStatus = answer.statusCode;
    return reply.code(answer.statusCode).headers(answer.headers).send(answer.bytes);
  };

  // Everything but /_sim/* travels as raw bytes: a gateway passes bodies on, it does not parse them.
  app.register(async (platform) => {
    platform.removeAllContentTypeParsers();
    platform.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    platform.all('/*', async (request, reply) => {
      if (await kit.injectFaults(reply, platformErrors.backendUnreachable.body)) return reply;
      const url = request.raw.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q >= 0 ? url.slice(0, q) : url;
      if (request.method === 'POST' && tokenPaths.has(pathname)) return issueToken(request, pathname, reply);
      return callService(request, pathname, q >= 0 ? url.slice(q) : '', reply);
    });
  });
  return app;
}

export async function startPlatformSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildPlatformSimulator(options.options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
