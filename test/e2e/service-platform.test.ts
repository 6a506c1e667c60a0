import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { PlatformTransport } from '../../src/connectors/transport/platform-transport.ts';
import { PlatformSimulator, platformKey, platformTokenPath } from '../helpers/platform-simulator.ts';
import { until } from '../helpers/until.ts';

/** A system behind the platform that keeps what it was sent and answers with bytes of its own. */
interface UpstreamRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
const upstreamAnswer = Buffer.from([0xff, 0x00, 0x7b, 0xc3, 0xa1, 0x0a]);
const received: UpstreamRequest[] = [];
let upstream: Server;
let upstreamUrl: string;

const directPaths = { echo: '/direct/echo' };
const echoService = { path: '/lgsp/echo/1.0', serviceCode: 'TEST-ECHO' };
let platform: PlatformSimulator;
let transport: PlatformTransport;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(207, { 'content-type': 'application/x-test-answer' }).end(upstreamAnswer);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  platform = await PlatformSimulator.start([{ ...echoService, upstream: `${upstreamUrl}/direct/echo` }]);
  transport = new PlatformTransport({ ...platform.transportConfig({ echo: echoService }), baseUrl: platform.url }, directPaths, 'echo-system', 2, 2000);
});

afterAll(async () => {
  await transport.close();
  await platform.close();
  await new Promise((r) => upstream.close(r));
});

beforeEach(async () => {
  received.length = 0;
  await platform.reset();
});

const call = (headers: Record<string, string>, body = '{}') => request(`${platform.url}${echoService.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const token = async (authorization = `Bearer ${platformKey}`, form = 'grant_type=client_credentials') => {
  const res = await request(`${platform.url}${platformTokenPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: form });
  return { statusCode: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
};

describe('the platform simulator', () => {
  it('issues a token for the configured key only, and only for grant_type=client_credentials', async () => {
    const issued = await token();
    expect(issued.statusCode).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof issued.body.access_token).toBe('string');
    expect(await token('Bearer not-the-key')).toEqual({ statusCode: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed.' } });
    expect((await token(undefined, 'grant_type=password')).statusCode).toBe(400);
    expect((await platform.received()).stats).toMatchObject({ tokensIssued: 1, tokensRefused: 2 });
  });

  it('refuses a service call without a token (401), with a token it never issued (401), and with a wrong or missing service-code (403); none reaches the system', async () => {
    const valid = (await token()).body.access_token as string;
    const answers = await Promise.all([
      call({}),
      call({ authorization: 'Bearer forged-token', 'service-code': echoService.serviceCode }),
      call({ authorization: `Bearer ${valid}`, 'service-code': 'TEST-OTHER' }),
      call({ authorization: `Bearer ${valid}` }),
    ]);
    const bodies = await Promise.all(answers.map(async (a) => ({ statusCode: a.statusCode, code: ((await a.body.json()) as { code: string }).code })));
    expect(bodies).toEqual([
      { statusCode: 401, code: '900902' },
      { statusCode: 401, code: '900901' },
      { statusCode: 403, code: '900908' },
      { statusCode: 403, code: '900908' },
    ]);
    expect(received).toEqual([]);
    expect((await platform.received()).stats).toMatchObject({ refused: 4, forwarded: 0 });
  });

  it('forwards the body bytes, method, path suffix and the system\'s own headers, and returns the system\'s answer unchanged', async () => {
    const body = Buffer.from([0x7b, 0x22, 0xc4, 0x90, 0x22, 0x7d, 0xfe]);
    const answer = await transport.call({ operation: 'echo', path: '/direct/echo/files/42?v=2', headers: { 'content-type': 'application/octet-stream', dstcode: 'TEST-DST' }, body, timeoutMs: 2000 });

    expect(answer.statusCode).toBe(207);
    expect(answer.headers['content-type']).toBe('application/x-test-answer');
    expect(answer.bytes.equals(upstreamAnswer)).toBe(true);
    expect(received).toHaveLength(1);
    const forwarded = received[0]!;
    expect(forwarded.method).toBe('POST');
    expect(forwarded.url).toBe('/direct/echo/files/42?v=2');
    expect(forwarded.body.equals(body)).toBe(true);
    expect(forwarded.headers).toMatchObject({ 'content-type': 'application/octet-stream', dstcode: 'TEST-DST' });
    expect(forwarded.headers.authorization).toBeUndefined();
    expect(forwarded.headers['service-code']).toBeUndefined();
    const { effects } = await platform.received();
    expect(effects).toMatchObject([{ serviceCode: 'TEST-ECHO', method: 'POST', path: '/lgsp/echo/1.0/files/42?v=2', upstreamStatus: 207 }]);
  });

  it('after its tokens are revoked, the transport is refused once, fetches one new token and the call goes through', async () => {
    await transport.call({ operation: 'echo', path: '/direct/echo', body: 'first', timeoutMs: 2000 });
    const before = (await platform.received()).stats;
    await platform.revokeTokens();

    const answer = await transport.call({ operation: 'echo', path: '/direct/echo', body: 'second', timeoutMs: 2000 });

    expect(answer.statusCode).toBe(207);
    const after = (await platform.received()).stats;
    expect(after.refused - before.refused).toBe(1);
    expect(after.tokensIssued - before.tokensIssued).toBe(1);
    expect(received.map((r) => r.body.toString())).toEqual(['first', 'second']);
  });

  it('expires a token after its lifetime', async () => {
    const shortLived = await PlatformSimulator.start([{ ...echoService, upstream: `${upstreamUrl}/direct/echo` }], { tokenLifetimeSeconds: 1 });
    try {
      const res = await request(`${shortLived.url}${platformTokenPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${platformKey}` }, body: 'grant_type=client_credentials' });
      const issued = (await res.body.json()) as { access_token: string; expires_in: number };
      expect(issued.expires_in).toBe(1);
      const statusWith = async () => {
        const r = await request(`${shortLived.url}${echoService.path}`, { method: 'POST', headers: { authorization: `Bearer ${issued.access_token}`, 'service-code': echoService.serviceCode }, body: 'x' });
        await r.body.dump();
        return r.statusCode;
      };
      expect(await until('the platform to refuse the token once its 1 s lifetime is over', statusWith, (s) => s === 401, 5000)).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('injected faults answer for the platform without reaching the system', async () => {
    await platform.faults({ failNext: 1, status: 503 });
    const res = await call({});
    expect(res.statusCode).toBe(503);
    expect(await res.body.json()).toMatchObject({ fault: { code: 101503 } });
    expect(received).toEqual([]);
  });
});
