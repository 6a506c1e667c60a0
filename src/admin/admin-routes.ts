import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { confirmWritesBeforeAnswering } from '../http/replication.ts';
import { scrubPersonalData } from '../logging/logger.ts';
import { exportMessageLog, verifyMessageLog } from '../audit/message-log-reader.ts';
import { statusFromLog } from '../messages/logged-status.ts';
import { describeMessage, findMessage, type FoundMessage } from '../messages/message-status.ts';
import { CircuitStateBoard } from '../delivery/circuit-state-board.ts';
import { formatDuration } from '../delivery/retry-policy.ts';
import { documentScope, idParam } from '../http/api-schemas.ts';
import { adminResponses } from './admin-api-schemas.ts';
import { createAdminAuthenticator, requireOperator } from './admin-auth.ts';
import { AuditTrail } from './audit-trail.ts';
import { describeDestination } from './queue-overview.ts';
import { registerPaymentAdminRoutes } from './payment-admin-routes.ts';
import { registerDomainViews } from './domain-views.ts';
import { LiveBoard, registerLiveStream, StreamTickets, streamAuthenticator, streamPath } from './live-stream.ts';
import { discardDeadLetter, findDeadLetters, groupDeadLetters, readDiscarded, replayMessage, retryDeadLetters, summarize, type DeadLetterFilter } from './dead-letters.ts';
import { acceptRecords } from '../messages/accept-message.ts';

const reasonBody = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 3, maxLength: 500 } },
} as const;

const filterProperties = {
  destination: { type: 'string' },
  partner: { type: 'string' },
  dossierCode: { type: 'string' },
  errorCode: { type: 'string', enum: ['PERMANENT', 'RETRIES_EXHAUSTED', 'UNKNOWN'] },
  statusCode: {
    description: "the destination's HTTP status in the failure; `none`: failures without one (timeouts, refused connections)",
    anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'string', enum: ['none'] }],
  },
  since: { type: 'string', format: 'date-time' },
  until: { type: 'string', format: 'date-time' },
} as const;

type FilterQuery = { [K in Exclude<keyof typeof filterProperties, 'statusCode'>]?: string } & { statusCode?: number | 'none' };

function toFilter({ statusCode, ...q }: FilterQuery): DeadLetterFilter {
  return {
    ...q,
    ...(statusCode === undefined ? {} : { statusCode: statusCode === 'none' ? null : statusCode }),
    since: q.since ? Date.parse(q.since) : undefined,
    until: q.until ? Date.parse(q.until) : undefined,
  };
}

/**
 * /admin/api: what admins of the provincial IT centre need to see what is stuck and repair it without touching
 * Redis. Admin tokens only; viewers read, operators act, and every action lands in the audit trail.
 */
export async function adminRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const audit = new AuditTrail(deps.redis, deps.config.redis.prefix);
  const acceptOptions = { idempotencyTtlMs: deps.config.ingest.idempotencyTtlMs };
  const actor = (request: FastifyRequest) => ({ actor: request.admin!.name, role: request.admin!.role });
  const circuitBoard = new CircuitStateBoard(deps.redis, deps.config.redis.prefix);
  const findDeadLetter = async (messageId: string) => {
    const found = await findMessage(deps.queues, messageId);
    if (!found || (await found.job.getState()) !== 'failed') throw new GatewayError('NOT_FOUND', `no dead letter ${messageId}`);
    return found;
  };
  documentScope(app, {
    tag: 'admin',
    security: [{ adminToken: [] }],
    // Reads can be refused for a bad token or a bad query; actions also for the viewer role, a bad body, replication.
    errors: (route) =>
      route.method === 'POST'
        ? ['AUTH_INVALID', 'SCHEMA_INVALID', 'BODY_MALFORMED', ...(route.preHandler ? (['ROLE_FORBIDDEN'] as const) : []), 'REPLICATION_PENDING', 'INTERNAL']
        : ['AUTH_INVALID', ...(route.schema?.querystring ? (['SCHEMA_INVALID'] as const) : []), 'INTERNAL'],
  });
  const tickets = new StreamTickets(deps.redis, deps.config.redis.prefix);
  const authenticateAdmin = createAdminAuthenticator(deps.config.admins);
  const authenticateStream = streamAuthenticator(tickets);
  // The live stream is opened by EventSource, which sends no headers: it takes a one-time ticket instead (live-stream.ts).
  app.addHook('onRequest', async (request) => (request.routeOptions.url === streamPath ? authenticateStream(request) : authenticateAdmin(request)));
  confirmWritesBeforeAnswering(app, deps.replicas);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  if (deps.payments) registerPaymentAdminRoutes(app, deps, deps.payments, audit);
  registerLiveStream(app, tickets, new LiveBoard(deps, circuitBoard));
  registerDomainViews(app, deps);

  app.get('/queues', { schema: { summary: 'Every destination: counts by state, pause, dead letters, the last minutes, circuits', response: adminResponses.queues } }, async () => ({
    destinations: await Promise.all(deps.queues.all().map(([name, queue]) => describeDestination(name, queue, circuitBoard))),
  }));

  app.get<{ Querystring: FilterQuery & { limit?: number } }>(
    '/dead-letters',
    {
      schema: {
        summary: 'Dead letters, newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterProperties, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: adminResponses.deadLetters,
      },
    },
    async (request) => {
      const { limit, ...query } = request.query;
      const letters = await findDeadLetters(deps.queues, toFilter(query), limit);
      return { deadLetters: letters.map(summarize) };
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/dead-letters/groups',
    {
      schema: {
        summary: 'Dead letters grouped by destination, error code and HTTP status, each with the filter that selects it',
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        response: adminResponses.deadLetterGroups,
      },
    },
    async (request) => ({ groups: groupDeadLetters((await findDeadLetters(deps.queues, toFilter(request.query))).map(summarize)) }),
  );

  const messageIdParam = idParam('messageId', 'the id the gateway gave the message');
  app.get<{ Params: { messageId: string } }>('/messages/:messageId', { schema: { summary: 'One message: state, every attempt, its envelope with personal data redacted', params: messageIdParam, response: adminResponses.message } }, async (request) => {
    const found = await findMessage(deps.queues, request.params.messageId);
    if (!found) {
      // Its job was trimmed (by age or count): what the message log still says of it, when it says anything.
      const logged = statusFromLog(request.params.messageId, undefined, await deps.messageLogLookup.recordsOf(request.params.messageId));
      if (logged) return logged;
      throw new GatewayError('NOT_FOUND', `no message ${request.params.messageId}`);
    }
    const view = await describeMessage(found, deps.queues);
    return { ...view, envelope: scrubPersonalData(found.job.data as unknown as Record<string, unknown>) };
  });

  app.post<{ Params: { messageId: string }; Body: { reason: string } }>(
    '/dead-letters/:messageId/retry',
    { preHandler: requireOperator, schema: { summary: 'Retry one dead letter with a fresh attempt budget', params: messageIdParam, body: reasonBody, response: adminResponses.retried } },
    async (request) => {
      const found = await findDeadLetter(request.params.messageId);
      const retried = await retryDeadLetters([found]);
      await audit.record({ ...actor(request), action: 'retry', target: request.params.messageId, reason: request.body.reason, count: retried });
      return { retried };
    },
  );

  app.post<{ Body: FilterQuery & { reason: string; dryRun?: boolean } }>(
    '/dead-letters/retry',
    {
      // Counting changes nothing: a viewer may ask how many a bulk retry would touch.
      preHandler: async (request) => ((request.body as { dryRun?: boolean }).dryRun ? undefined : requireOperator(request)),
      schema: {
        summary: 'Retry every dead letter the filter selects (a group: its filter from /dead-letters/groups)',
        response: adminResponses.bulkRetried,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { ...filterProperties, ...reasonBody.properties, dryRun: { type: 'boolean', description: 'only count what would be retried; nothing changes, nothing is audited' } },
        },
      },
    },
    async (request) => {
      const { reason, dryRun, ...query } = request.body;
      const letters = await findDeadLetters(deps.queues, toFilter(query));
      // What was counted is what a confirmed retry should touch: `countedUntil`, passed back as `until`, leaves out
      // letters that die between the count and the confirmation (the newest counted one failed just before it).
      if (dryRun) return { matched: letters.length, retried: 0, dryRun: true, ...(letters.length ? { countedUntil: new Date(letters[0]!.job.finishedOn! + 1).toISOString() } : {}) };
      const retried = await retryDeadLetters(letters);
      await audit.record({ ...actor(request), action: 'bulk-retry', target: JSON.stringify(query), reason, count: retried });
      return { matched: letters.length, retried };
    },
  );

  app.post<{ Params: { messageId: string }; Body: { reason: string } }>(
    '/dead-letters/:messageId/discard',
    { preHandler: requireOperator, schema: { summary: 'Discard one dead letter (its partner still sees it dead, with the reason)', params: messageIdParam, body: reasonBody, response: adminResponses.discarded } },
    async (request) => {
      const found = await findDeadLetter(request.params.messageId);
      await discardDeadLetter(deps.redis, deps.config.redis.prefix, deps.config.retention.deliveredMs, found, request.body.reason, request.admin!.name);
      await audit.record({ ...actor(request), action: 'discard', target: request.params.messageId, reason: request.body.reason, count: 1 });
      return { discarded: 1 };
    },
  );

  app.post<{ Params: { messageId: string }; Body: { reason: string } }>(
    '/messages/:messageId/replay',
    { preHandler: requireOperator, schema: { summary: 'Deliver a delivered message again, as a new message', params: messageIdParam, body: reasonBody, response: adminResponses.replayed } },
    async (request) => {
      const found = await findMessage(deps.queues, request.params.messageId);
      if (!found || (await found.job.getState()) !== 'completed') {
        throw new GatewayError('NOT_FOUND', `no delivered message ${request.params.messageId} (dead letters are retried, not replayed)`);
      }
      // Completed is not delivered: a superseded message was never sent, and its copy would be superseded again.
      if (found.job.returnvalue?.outcome === 'superseded') {
        throw new GatewayError('NOT_FOUND', `message ${request.params.messageId} was superseded by a newer update of its dossier and never sent: nothing to replay`);
      }
      // A delivered job is kept retention.deliveredMs, and so is its dossier's floor (the newest update that reached
      // the receiver): past that, a newer update may have reached it and be forgotten, and the copy would set the
      // dossier back. BullMQ removes old completed jobs only when another job of the queue completes, so on a quiet
      // destination one may outlive its retention: it is treated as gone.
      const retentionMs = deps.config.retention.deliveredMs;
      if (found.job.finishedOn !== undefined && found.job.finishedOn < Date.now() - retentionMs) {
        throw new GatewayError('NOT_FOUND', `message ${request.params.messageId} was delivered more than retention.deliveredMs (${formatDuration(retentionMs)}) ago: past the retention of delivered messages and of its dossier's order, it is not replayed (send the update again from its source)`);
      }
      // Logged like any accepted message: the replay's inbound record holds its body (its outcome names it by digest).
      const messageId = await replayMessage(deps.queues, found.destination, found.job.data, { ...acceptOptions, records: acceptRecords(deps, found.destination, () => request.log) });
      await audit.record({ ...actor(request), action: 'replay', target: request.params.messageId, reason: request.body.reason, count: 1 });
      return { messageId, replayOf: request.params.messageId };
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { destination: string }; Body: { reason: string } }>(
      `/destinations/:destination/${action}`,
      {
        preHandler: requireOperator,
        schema: {
          summary: action === 'pause' ? 'Stop delivering to a destination (messages are still accepted and held)' : 'Deliver to a paused destination again',
          params: idParam('destination', 'a configured destination, e.g. national-portal'),
          body: reasonBody,
          response: adminResponses.paused,
        },
      },
      async (request) => {
        const queue = deps.queues.find(request.params.destination);
        if (!queue) throw new GatewayError('NOT_FOUND', `no destination ${request.params.destination}`);
        // A paused destination keeps accepting and holding messages; its workers just stop taking them.
        await (action === 'pause' ? queue.pause() : queue.resume());
        await audit.record({ ...actor(request), action, target: request.params.destination, reason: request.body.reason, count: 0 });
        return { destination: request.params.destination, paused: action === 'pause' };
      },
    );
  }

  app.get<{ Params: { dossierCode: string } }>(
    '/dossiers/:dossierCode/timeline',
    { schema: { summary: 'Every message about a dossier, across destinations, in arrival order', params: idParam('dossierCode', 'the dossier code (Mã hồ sơ)'), response: adminResponses.timeline } },
    async (request) => {
    const { dossierCode } = request.params;
    const entries = await deps.timeline.entries(dossierCode);
    const messages = await Promise.all(
      entries.map(async ([destination, messageId]) => {
        const job = await deps.queues.find(destination)?.getJob(messageId);
        if (job) {
          const view = await describeMessage({ job: job as FoundMessage['job'], destination }, deps.queues);
          const { history: _history, ...summary } = view;
          return { ...summary, partner: job.data.partner, orderingTime: new Date(job.data.orderingTime).toISOString(), replayOf: job.data.replayOf ?? null };
        }
        const discarded = await readDiscarded(deps.redis, deps.config.redis.prefix, messageId);
        return discarded ? { ...discarded, state: 'dead' } : { messageId, destination, state: 'expired' };
      }),
    );
    return { dossierCode, messages };
  },
  );

  app.post<{ Body: { reason: string } }>(
    '/trust/reload',
    { preHandler: requireOperator, schema: { summary: 'Re-read trust anchors and CRL files in this api process, as SIGHUP does (audited)', body: reasonBody, response: adminResponses.trustReloaded } },
    async (request) => {
    // Reloads this api process; other processes reload on SIGHUP.
    const loaded = deps.reloadTrust();
    await audit.record({ ...actor(request), action: 'trust-reload', target: 'trust store', reason: request.body.reason, count: loaded.roots });
    return loaded;
  },
  );

  // The whole chain, archive segments and Redis (this process must see messageLog.archive.directory).
  app.get('/message-log/verify', { schema: { summary: "Check the message log's hash chain, archive segments then Redis", response: adminResponses.logVerdict } }, async () =>
    verifyMessageLog(deps.messageLog),
  );
  app.get<{ Querystring: { from?: string; to?: string; fromSeq?: number; toSeq?: number } }>(
    '/message-log/export',
    {
      schema: {
        summary: 'The message log as NDJSON, by time or record seq',
        response: adminResponses.logExport,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, fromSeq: { type: 'integer', minimum: 1 }, toSeq: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (request, reply) => {
      const { from, to, fromSeq, toSeq } = request.query;
      reply.type('application/x-ndjson');
      return reply.send(Readable.from(exportMessageLog(deps.messageLog, { fromSeq, toSeq, from: from ? Date.parse(from) : undefined, to: to ? Date.parse(to) : undefined })));
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/audit',
    {
      schema: {
        summary: 'The audit trail of operator actions, newest first',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: adminResponses.audit,
      },
    },
    async (request) => ({ entries: await audit.list(request.query.limit) }),
  );
}
