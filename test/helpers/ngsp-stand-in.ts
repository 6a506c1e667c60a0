import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { request } from 'undici';

export interface NgspService {
  /** The platform's path for the service. */
  path: string;
  serviceCode: string;
  /** Where the system behind it takes the call (its direct path). */
  forwardTo: string;
}

/**
 * A stand-in for the NGSP in tests until the sandbox's platform simulator lands: tokens by client credentials
 * (Basic consumerKey:consumerSecret), then every service call checked for `Authorization: Bearer <token>` and its
 * `service-code`, and forwarded to the system's direct path with the query that followed the service path.
 */
export async function startNgspStandIn(options: { consumerKey: string; consumerSecret: string; targetUrl: string; services: NgspService[] }) {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const tokens = new Set<string>();
  const calls: Array<{ serviceCode: string; method: string; statusCode: number }> = [];
  const refused = { tokens: 0 };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
  app.post('/token', async (req, reply) => {
    const basic = `Basic ${Buffer.from(`${options.consumerKey}:${options.consumerSecret}`).toString('base64')}`;
    if (req.headers.authorization !== basic || String(req.body) !== 'grant_type=client_credentials') return reply.code(401).send({ error: 'invalid_client' });
    const token = randomBytes(12).toString('hex');
    tokens.add(token);
    return { access_token: token, token_type: 'Bearer', expires_in: 3600 };
  });
  for (const service of options.services) {
    app.route({
      method: ['GET', 'POST'],
      url: service.path,
      handler: async (req, reply) => {
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token || !tokens.has(token)) {
          refused.tokens += 1;
          return reply.code(401).send({ error: 'invalid_token' });
        }
        if (req.headers['service-code'] !== service.serviceCode) return reply.code(403).send({ error: 'wrong service-code' });
        const { authorization: _a, 'service-code': _s, host: _h, 'content-length': _l, connection: _c, ...headers } = req.headers;
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        const res = await request(`${options.targetUrl}${service.forwardTo}${query}`, { method: req.method as 'GET' | 'POST', headers: headers as Record<string, string>, body: req.method === 'POST' ? (req.body as Buffer) : undefined });
        calls.push({ serviceCode: service.serviceCode, method: req.method, statusCode: res.statusCode });
        return reply.code(res.statusCode).header('content-type', 'application/json').send(Buffer.from(await res.body.arrayBuffer()));
      },
    });
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, calls, refused, expireTokens: () => tokens.clear(), close: () => app.close() };
}
