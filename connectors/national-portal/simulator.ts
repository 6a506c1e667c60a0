import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { toCompactVnTime } from '../../src/connectors/vietnam-time.ts';
import { SimulatorKit, type RawJson, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import { portalOptionsOf } from './options.ts';

/** One effect the portal applied: what the gateway will be judged on. */
export interface ReceivedStatusSync {
  idempotencyKey: string;
  traceId?: string;
  /** Subject of the certificate that signed the request, when the simulator verifies signatures. */
  signer?: string;
  /** Which portal service received it. */
  service: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

export interface PortalFaults extends SimulatorFaults {
  /** Tokens live this long (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

const schema = (name: string) => JSON.parse(readFileSync(new URL(`./schemas/${name}`, import.meta.url), 'utf8'));

/**
 * Imitates the national portal: an OAuth2 token endpoint, the status-sync and the payment-update services, which
 * check the bearer token and the gateway's signature, validate the mapped payload, apply each Idempotency-Key
 * once and record it. `/_sim/*` lets tests and the sandbox read what arrived and inject faults.
 */
export function buildNationalPortalSimulator(options: Record<string, unknown>): FastifyInstance {
  const { clientId, clientSecret, tokenPath, syncPath, paymentPath, receiptPath, submissionsPath } = portalOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const tokens = new Map<string, number>();
  const kit = new SimulatorKit<ReceivedStatusSync>(app, options, () => tokens.clear());
  kit.stats.syncRequests = 0;
  kit.stats.tokenRequests = 0;
  const ajv = new Ajv({ allErrors: true, strict: false });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));
  app.post(tokenPath, async (request, reply) => {
    kit.count('tokenRequests');
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return reply.code(401).send({ error: 'invalid_client' });
    const lifetime = (kit.faults as PortalFaults).tokenLifetimeSeconds ?? 3600;
    const token = randomBytes(16).toString('hex');
    tokens.set(token, Date.now() + lifetime * 1000);
    return { access_token: token, token_type: 'Bearer', expires_in: lifetime };
  });

  const authorized = (request: FastifyRequest) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    return expiry !== undefined && expiry >= Date.now();
  };

  const service = (validate: ValidateFunction, name: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    kit.count('syncRequests');
    if (!authorized(request)) return reply.code(401).send({ error_code: '401', message: 'invalid or expired token' });
    if (await kit.injectFaults(reply, { error_code: '99', message: 'injected fault' })) return reply;
    const idempotencyKey = request.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || !idempotencyKey) return reply.code(400).send({ error_code: '02', message: 'Idempotency-Key required' });
    let signer: string | undefined;
    try {
      signer = await kit.verifyGatewaySignature(request);
    } catch (err) {
      return reply.code(400).send({ error_code: '03', message: `signature refused: ${(err as Error).message}` });
    }
    const { json } = request.body as RawJson;
    if (!validate(json)) {
      return reply.code(400).send({ error_code: '01', message: 'invalid payload', details: validate.errors?.map((e) => `${e.instancePath} ${e.message}`) });
    }
    if (kit.received.has(idempotencyKey)) return { error_code: '00', message: 'already applied', duplicate: true };
    kit.received.set(idempotencyKey, {
      idempotencyKey,
      traceId: request.headers['x-trace-id'] as string | undefined,
      signer,
      service: name,
      payload: json as Record<string, unknown>,
      receivedAt: new Date().toISOString(),
    });
    return { error_code: '00', message: 'ok' };
  };
  app.post(syncPath, service(ajv.compile(schema('status-sync.json')), 'CapNhatTienDoHoSoMC'));
  app.post(paymentPath, service(ajv.compile(schema('payment-sync.json')), 'CapNhatThanhToanHoSoMC'));
  app.post(receiptPath, service(ajv.compile(schema('submission-receipt.json')), 'XacNhanNhanHoSo'));

  // The feed of dossiers citizens filed online, and their attachments.
  // A real feed's positions only grow; starting from the clock keeps that true across sandbox restarts.
  const feed = createSubmissionFeed(typeof options.feedStart === 'number' ? options.feedStart : Date.now());
  app.get(submissionsPath, async (request, reply) => {
    if (!authorized(request)) return reply.code(401).send({ error_code: '401' });
    const { cursor, limit } = request.query as { cursor?: string; limit?: string };
    const items = feed.after(Number(cursor ?? 0), Math.min(Number(limit ?? 50), 500));
    return { items, nextCursor: items.at(-1)?.SoThuTu ?? cursor };
  });
  app.get<{ Params: { id: string } }>('/files/:id', async (request, reply) => {
    if (!authorized(request)) return reply.code(401).send({ error_code: '401' });
    const file = feed.files.get(request.params.id);
    return file ? reply.type('application/pdf').send(file) : reply.code(404).send({ error_code: '404' });
  });
  /** Citizens file `count` dossiers online (synthetic); `badHash` states a wrong hash for their first attachment. */
  app.post('/_sim/submissions', async (request) => {
    const { count = 1, agencyCode = '000.00.01.H22', badHash = false } = ((request.body as RawJson | undefined)?.json ?? {}) as { count?: number; agencyCode?: string; badHash?: boolean };
    const added = feed.add(Math.min(count, 1000), agencyCode, badHash);
    return { added, items: feed.after(-1, Number.MAX_SAFE_INTEGER).filter((i) => added.includes(i.MaHoSo as string)) };
  });

  app.post('/_sim/tokens/revoke', async () => {
    tokens.clear();
    return { revoked: true };
  });
  return app;
}

/** Synthetic online submissions with real attachment bytes and their SHA-256. */
function createSubmissionFeed(start: number) {
  const items: Array<Record<string, unknown> & { SoThuTu: string }> = [];
  const files = new Map<string, Buffer>();
  let sequence = start;
  return {
    files,
    after: (cursor: number, limit: number) => items.filter((i) => Number(i.SoThuTu) > cursor).slice(0, limit),
    add(count: number, agencyCode: string, badHash: boolean) {
      const added: string[] = [];
      for (let n = 0; n < count; n++) {
        sequence += 1;
        const fileId = randomBytes(8).toString('hex');
        const content = Buffer.from(`%PDF-1.4 synthetic scan ${sequence} ${fileId}`);
        files.set(fileId, content);
        const hash = createHash('sha256').update(badHash ? 'something else' : content).digest('hex');
        const dossierCode = `${agencyCode}-DVC-${String(sequence).slice(-6).padStart(6, '0')}`;
        items.push({
          SoThuTu: String(sequence),
          MaHoSo: dossierCode,
          MaTTHC: '1.001612.000.00.00.H22',
          MaDonVi: agencyCode,
          NgayTiepNhan: toCompactVnTime(Date.now()),
          ChuHoSo: 'Hoàng Văn Nam',
          SoDinhDanh: '001090012345',
          SoDienThoai: '0987654321',
          TrichYeuHoSo: 'Đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ',
          TaiLieuNop: [{ TenTepDinhKem: 'don-de-nghi.pdf', DuongDanTaiTep: `/files/${fileId}`, MaHash: hash, LoaiTep: 'application/pdf' }],
        });
        added.push(dossierCode);
      }
      return added;
    },
  };
}

export async function startNationalPortalSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildNationalPortalSimulator(options.options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}
