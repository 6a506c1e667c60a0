import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type RawJson, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import { portalOptionsOf } from './options.ts';
import { simulatedProcedure } from './procedure-names.ts';
import { createSubmissionFeed } from './submission-feed.ts';

/** One call that changed the simulated portal: what the gateway will be judged on. Lookups only count in stats. */
export interface ReceivedPortalCall {
  sequence: number;
  service: string;
  /** The body without its session. */
  payload: Record<string, unknown>;
  /** Subject of the certificate that signed the body, when the gateway signed it and the simulator checks. */
  signer?: string;
  traceId?: string;
  /** The W3C traceparent header as it came. */
  traceparent?: string;
  receivedAt: string;
}

export interface PortalFaults extends SimulatorFaults {
  /** Sessions live this long (default 3600 s). */
  sessionLifetimeSeconds?: number;
  /** How a success's error_code is written: 0 (default), "0" or "00" — the public client reads all three as 0. */
  errorCodeStyle?: 'number' | 'string' | 'zero-padded';
  /** An invalid session answered HTTP 401 instead of a non-zero error_code. */
  sessionErrorAsHttp401?: boolean;
  /** The next `count` calls (of `service`, or of any) are refused with this business error, or fail with `httpStatus`. */
  refuse?: { service?: string; count: number; error_code?: number | string; message?: string; httpStatus?: number };
  /**
   * The next `count` calls (of `service`, or of any) are applied, then their answer is held for `ms`: the portal
   * did the work but the caller may never hear it (its timeout, or its crash, comes first).
   */
  answerLateAfterApply?: { service?: string; count: number; ms: number };
}

/** The simulated portal's refusals. The real portal's codes and texts are not public: these are ours. */
const refusals = {
  session: { error_code: -1, message: 'Phiên làm việc (session) không hợp lệ hoặc đã hết hạn' },
  invalid: { error_code: 2, message: 'Dữ liệu không hợp lệ' },
  notSynced: { error_code: 3, message: 'Hồ sơ chưa được đồng bộ (DongBoHoSoMC) lên Cổng DVCQG' },
  exists: { error_code: 4, message: 'Hồ sơ đã tồn tại, đồng bộ với isUpdating "True"' },
  unknownService: { error_code: 5, message: 'Dịch vụ không tồn tại' },
  unit: { error_code: 6, message: 'Mã đơn vị hoặc dstcode không đúng' },
  login: { error_code: 1, message: 'Sai tên đăng nhập hoặc mật khẩu' },
};

const schema = (name: string) => JSON.parse(readFileSync(new URL(`./schemas/${name}`, import.meta.url), 'utf8'));

/**
 * Imitates the national portal as its public client calls it (VietOpenCPS opencps-v2 DVCQGIntegrationActionImpl):
 * a session login with the `dstcode` header, one integration endpoint taking `{session, madonvi, service, ...}`,
 * answers with `error_code`. It keeps the dossiers it was given: TraCuuHoSo finds them, DongBoHoSoMC creates
 * (isUpdating "False") or updates ("True") one, and CapNhatTienDoHoSoMC for a dossier it never got is refused.
 * Nothing is deduplicated: every call that succeeds is an effect. `/_sim/*` lets tests read effects and inject faults.
 */
export function buildNationalPortalSimulator(options: Record<string, unknown>): FastifyInstance {
  const config = portalOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const sessions = new Map<string, number>();
  const kit = new SimulatorKit<ReceivedPortalCall>(app, options, () => {
    sessions.clear();
    dossiers.clear();
  });
  for (const stat of ['logins', 'calls', 'lookups', 'refused']) kit.stats[stat] = 0;
  const faults = () => kit.faults as PortalFaults;
  const dossiers = new Map<string, { record: Record<string, unknown>; progress: Array<Record<string, unknown>> }>();
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators: Record<string, ValidateFunction> = {
    DongBoHoSoMC: ajv.compile(schema('dossier-sync.json')),
    CapNhatTienDoHoSoMC: ajv.compile(schema('progress-sync.json')),
    [config.paymentService]: ajv.compile(schema('payment-sync.json')),
    [config.receiptService]: ajv.compile(schema('submission-receipt.json')),
  };
  let sequence = 0;

  const success = (extra: Record<string, unknown> = {}) => {
    const style = faults().errorCodeStyle;
    return { error_code: style === 'string' ? '0' : style === 'zero-padded' ? '00' : 0, message: 'Thành công', ...extra };
  };
  const refuse = (reply: FastifyReply, refusal: { error_code: number | string; message: string }, details?: string[]) => {
    kit.count('refused');
    return reply.send({ ...refusal, ...(details ? { details } : {}) });
  };

  app.post(config.authEndpoint, async (request, reply) => {
    kit.count('logins');
    const { username, password } = ((request.body as RawJson | undefined)?.json ?? {}) as { username?: string; password?: string };
    if (request.headers.dstcode !== config.dstcode) return refuse(reply, refusals.unit);
    if (username !== config.username || password !== config.password) return refuse(reply, refusals.login);
    const session = randomBytes(16).toString('hex');
    sessions.set(session, Date.now() + (faults().sessionLifetimeSeconds ?? 3600) * 1000);
    return success({ session });
  });

  const services: Record<string, (body: Record<string, unknown>, reply: FastifyReply) => unknown> = {
    LayThuTuc: (body) => {
      const found = simulatedProcedure(String(body.maTTHC ?? ''));
      return success({ result: found ? [found] : [] });
    },
    TraCuuHoSo: (body) => {
      const dossier = dossiers.get(String(body.mahoso ?? ''));
      return success({ result: dossier ? [dossier.record] : [] });
    },
    DongBoHoSoMC: (body, reply) => {
      const items = body.data as Array<Record<string, unknown>>;
      for (const item of items) {
        const exists = dossiers.has(String(item.MaHoSo));
        if (exists && body.isUpdating !== 'True') return refuse(reply, refusals.exists, [String(item.MaHoSo)]);
        if (!exists && body.isUpdating === 'True') return refuse(reply, refusals.notSynced, [String(item.MaHoSo)]);
      }
      for (const item of items) dossiers.set(String(item.MaHoSo), { record: item, progress: dossiers.get(String(item.MaHoSo))?.progress ?? [] });
      return undefined;
    },
    CapNhatTienDoHoSoMC: (body, reply) => {
      const items = body.data as Array<Record<string, unknown>>;
      const missing = items.filter((i) => !dossiers.has(String(i.MaHoSo))).map((i) => String(i.MaHoSo));
      if (missing.length) return refuse(reply, refusals.notSynced, missing);
      for (const item of items) {
        const dossier = dossiers.get(String(item.MaHoSo))!;
        dossier.progress.push(item);
        dossier.record = { ...dossier.record, TrangThaiHoSo: item.TrangThai };
      }
      return undefined;
    },
    [config.paymentService]: () => undefined,
    [config.receiptService]: () => undefined,
    [config.submissionsService]: (body) => {
      const cursor = Number(body.cursor ?? 0);
      const items = feed.after(cursor, Math.min(Number(body.limit ?? 50), 500));
      return success({ result: items, nextCursor: items.at(-1)?.SoThuTu ?? String(cursor) });
    },
  };
  const lookups = new Set(['LayThuTuc', 'TraCuuHoSo', config.submissionsService]);

  const validSession = (session: unknown) => {
    const expiry = typeof session === 'string' ? sessions.get(session) : undefined;
    return expiry !== undefined && expiry >= Date.now();
  };

  app.post(config.integrationEndpoint, async (request: FastifyRequest, reply: FastifyReply) => {
    kit.count('calls');
    if (await kit.injectFaults(reply, { error_code: 99, message: 'injected fault' })) return reply;
    const body = ((request.body as RawJson | undefined)?.json ?? {}) as Record<string, unknown>;
    if (request.headers.dstcode !== config.dstcode || body.madonvi !== config.madonvi) return refuse(reply, refusals.unit);
    if (!validSession(body.session)) {
      if (faults().sessionErrorAsHttp401) return reply.code(401).send(refusals.session);
      return refuse(reply, refusals.session);
    }
    const service = String(body.service ?? '');
    const handler = services[service];
    if (!handler) return refuse(reply, refusals.unknownService, [service]);
    const refusal = faults().refuse;
    if (refusal && refusal.count > 0 && (!refusal.service || refusal.service === service)) {
      refusal.count -= 1;
      if (refusal.httpStatus) return reply.code(refusal.httpStatus).send({ error_code: 99, message: 'injected HTTP failure' });
      return refuse(reply, { error_code: refusal.error_code ?? 7, message: refusal.message ?? 'Từ chối (lỗi giả lập)' });
    }
    const validate = validators[service];
    if (validate && !validate(body)) return refuse(reply, refusals.invalid, validate.errors?.map((e) => `${e.instancePath} ${e.message}`));
    if (lookups.has(service)) {
      kit.count('lookups');
      return handler(body, reply);
    }
    let signer: string | undefined;
    try {
      signer = request.headers['x-signature'] ? await kit.verifyGatewaySignature(request) : undefined;
    } catch (err) {
      return refuse(reply, { error_code: 8, message: `chữ ký không hợp lệ: ${(err as Error).message}` });
    }
    const answered = handler(body, reply);
    if (answered !== undefined) return answered;
    const { session: _session, ...payload } = body;
    sequence += 1;
    kit.received.set(String(sequence), { sequence, service, payload, signer, traceId: request.headers['x-trace-id'] as string | undefined, traceparent: request.headers.traceparent as string | undefined, receivedAt: new Date().toISOString() });
    const late = faults().answerLateAfterApply;
    if (late && late.count > 0 && (!late.service || late.service === service)) {
      late.count -= 1;
      await new Promise((r) => setTimeout(r, late.ms).unref());
    }
    return success();
  });

  // The feed's attachments (our profile): fetched with the session in a header.
  const feed = createSubmissionFeed(typeof options.feedStart === 'number' ? options.feedStart : Date.now());
  app.get<{ Params: { id: string } }>('/files/:id', async (request, reply) => {
    if (!validSession(request.headers.session)) return reply.code(401).send(refusals.session);
    const file = feed.files.get(request.params.id);
    return file ? reply.type('application/pdf').send(file) : reply.code(404).send({ error_code: 404 });
  });
  /** Citizens file `count` dossiers online (synthetic); `badHash` states a wrong hash for their first attachment. */
  app.post('/_sim/submissions', async (request) => {
    const { count = 1, agencyCode = '000.00.01.H22', badHash = false } = ((request.body as RawJson | undefined)?.json ?? {}) as { count?: number; agencyCode?: string; badHash?: boolean };
    const added = feed.add(Math.min(count, 1000), agencyCode, badHash);
    return { added, items: feed.after(-1, Number.MAX_SAFE_INTEGER).filter((i) => added.includes(i.MaHoSo as string)) };
  });
  /** The portal's copy of one dossier and its progress, or 404. */
  app.get<{ Params: { code: string } }>('/_sim/dossiers/:code', async (request, reply) => {
    const dossier = dossiers.get(request.params.code);
    return dossier ?? reply.code(404).send({ error: 'not synced' });
  });
  /** The portal loses one dossier (a restore from backup, a move to another of its environments): what a test needs to show the gateway's record outliving the portal's copy. */
  app.delete<{ Params: { code: string } }>('/_sim/dossiers/:code', async (request) => ({ forgotten: dossiers.delete(request.params.code) }));
  app.post('/_sim/sessions/expire', async () => {
    sessions.clear();
    return { expired: true };
  });
  return app;
}

export async function startNationalPortalSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildNationalPortalSimulator(options.options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}
