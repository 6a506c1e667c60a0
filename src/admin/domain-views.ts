import type { FastifyInstance } from 'fastify';
import type { Cluster } from 'ioredis';
import type { ApiDeps } from '../http/api-deps.ts';
import { vnDayOf } from '../connectors/vietnam-time.ts';
import { findMessage } from '../messages/message-status.ts';
import { postalShipmentV1 } from '../postal/postal-message-types.ts';
import { submittedType } from '../submissions/submission-poller.ts';
import { recentEntries } from './recent-activity.ts';

const hoursQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { hours: { type: 'integer', minimum: 1, maximum: 168, default: 24 } },
} as const;

/** At most this many rows per view; the counts cover the whole window. */
const rowLimit = 200;

const countBy = <T>(items: T[], keyOf: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
};

/** Redis glob characters in a dossier code or the key prefix are matched literally. */
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Read-only views for the dashboard of what the stores already keep (viewers may): payments an operator should
 * look at, postal shipments, online submissions and citizen checks, and dossier codes by prefix. They read the
 * payment store, the shipment store, the message log's recent records (never its archive files) and the timeline
 * index; nothing is kept for them. Citizen checks are counts and outcomes only: the log holds their personal data
 * as HMACs, and not even those leave here.
 */
export function registerDomainViews(app: FastifyInstance, deps: ApiDeps): void {
  // Settled after expiry and refunds, from the days' paid sets (a refunded payment stays in the day it was paid).
  app.get<{ Querystring: { days: number } }>(
    '/views/payments',
    { schema: { summary: 'Payments to look at: how many need review, settled after expiry, refunds (last days)', response: { 200: { type: 'object', additionalProperties: true, description: '{configured, days, needsReview, settledAfterExpiry[], refunds[]}' } }, querystring: { type: 'object', additionalProperties: false, properties: { days: { type: 'integer', minimum: 1, maximum: 31, default: 7 } } } } },
    async (request) => {
      if (!deps.payments) return { configured: false, days: request.query.days, needsReview: 0, settledAfterExpiry: [], refunds: [] };
      const { store } = deps.payments;
      const days = Array.from({ length: request.query.days }, (_, i) => vnDayOf(new Date(Date.now() - i * 86_400_000).toISOString()));
      const paid = (await Promise.all(days.map((day) => store.paidOn(day)))).flat();
      const brief = (p: (typeof paid)[number]) => ({ paymentId: p.paymentId, dossierCode: p.dossierCode, provider: p.provider, status: p.status, amount: p.amount, expiresAt: p.expiresAt, paidAt: p.paidAt ?? null });
      const settledAfterExpiry = paid.filter((p) => p.settledAfterExpiry).map(brief).sort((a, b) => (b.paidAt ?? '').localeCompare(a.paidAt ?? ''));
      const refunds = paid
        .flatMap((p) => (p.refunds ?? []).map((r) => ({ ...brief(p), refundedAmount: p.refundedAmount ?? 0, refund: r })))
        .sort((a, b) => b.refund.requestedAt.localeCompare(a.refund.requestedAt));
      return { configured: true, days: request.query.days, needsReview: await store.countNeedingReview(), settledAfterExpiry: settledAfterExpiry.slice(0, rowLimit), refunds: refunds.slice(0, rowLimit) };
    },
  );

  // Shipments asked for in the window: the request as logged, the carrier's side from the shipment store.
  app.get<{ Querystring: { hours: number } }>('/views/shipments', { schema: { summary: 'Postal shipments asked for in the last hours, with their state at the carrier', querystring: hoursQuery, response: { 200: { type: 'object', additionalProperties: true, description: '{configured, hours, complete, counts, shipments[]}' } } } }, async (request) => {
    const { hours } = request.query;
    if (!deps.postal) return { configured: false, hours, complete: true, counts: {}, shipments: [] };
    const { entries, complete } = await recentEntries(deps.messageLog, [postalShipmentV1.type], Date.now() - hours * 3_600_000);
    const queued = entries.filter((e) => e.outcome === 'queued' && e.messageId);
    const shipments = await Promise.all(
      queued.slice(0, rowLimit).map(async (entry) => {
        const shipmentId = entry.messageId!;
        const [record, tracking, found] = await Promise.all([deps.postal!.store.record(shipmentId), deps.postal!.store.tracking(shipmentId), findMessage(deps.queues, shipmentId)]);
        const body = (entry.body ?? {}) as { dossierCode?: string; kind?: string };
        const jobState = found ? await found.job.getState() : undefined;
        // Until the carrier accepted the order there is no tracking state: the request's own delivery state says where it is.
        const state = tracking.cancellation?.outcome === 'cancelled' ? 'cancelled' : (tracking.state ?? (jobState === 'failed' ? 'refused' : jobState === 'completed' ? 'created' : 'requested'));
        return {
          shipmentId,
          dossierCode: record?.dossierCode ?? body.dossierCode ?? null,
          kind: record?.kind ?? body.kind ?? null,
          carrier: record?.carrier ?? found?.destination ?? null,
          partner: entry.partner ?? null,
          trackingNumber: tracking.trackingNumber ?? null,
          state,
          stateTime: tracking.stateTime ?? null,
          events: tracking.history.length,
          requestedAt: entry.at,
          lastError: jobState === 'failed' ? (found!.job.failedReason ?? null) : null,
        };
      }),
    );
    return { configured: true, hours, complete, counts: countBy(shipments, (s) => s.state), shipments };
  });

  // Dossiers filed online at the portal: refused ones first (invalid, or an attachment whose hash does not match).
  app.get<{ Querystring: { hours: number } }>('/views/submissions', { schema: { summary: 'Online submissions of the last hours, refused ones first', querystring: hoursQuery, response: { 200: { type: 'object', additionalProperties: true, description: '{hours, complete, counts, submissions[]}' } } } }, async (request) => {
    const { hours } = request.query;
    const { entries, complete } = await recentEntries(deps.messageLog, [submittedType], Date.now() - hours * 3_600_000);
    // The poller's own verdicts (accepted, rejected:…); the messages it then queued have records of their own.
    const verdicts = entries.filter((e) => e.direction === 'inbound' && (e.outcome === 'accepted' || e.outcome.startsWith('rejected')));
    const submissions = verdicts.map((e) => {
      const body = (e.body ?? {}) as { dossierCode?: string; sequence?: string };
      return { dossierCode: body.dossierCode ?? null, sequence: body.sequence ?? null, source: e.partner ?? null, outcome: e.outcome, at: e.at };
    });
    const refusedFirst = [...submissions].sort((a, b) => Number(b.outcome.startsWith('rejected')) - Number(a.outcome.startsWith('rejected')) || b.at.localeCompare(a.at));
    return { hours, complete, counts: countBy(submissions, (s) => s.outcome), submissions: refusedFirst.slice(0, rowLimit) };
  });

  // Citizen checks: how many, with what outcome, for whom and why; never the citizen (not even the HMACs).
  app.get<{ Querystring: { hours: number } }>('/views/citizen-checks', { schema: { summary: 'Citizen checks of the last hours: counts and outcomes by partner and purpose, never personal data', querystring: hoursQuery, response: { 200: { type: 'object', additionalProperties: true, description: '{configured, hours, complete, total, counts, byPartner[], recent[]}' } } } }, async (request) => {
    const { hours } = request.query;
    const { entries, complete } = await recentEntries(deps.messageLog, ['citizen.verify.v1'], Date.now() - hours * 3_600_000);
    const checks = entries.map((e) => {
      const body = (e.body ?? {}) as { agencyCode?: string; purpose?: string };
      return { at: e.at, partner: e.partner ?? null, agencyCode: body.agencyCode ?? null, purpose: body.purpose ?? null, outcome: e.outcome };
    });
    const byPartner = Object.entries(countBy(checks, (c) => `${c.partner}\u0000${c.purpose}`)).map(([key, count]) => {
      const [partner, purpose] = key.split('\u0000');
      return { partner, purpose, count, outcomes: countBy(checks.filter((c) => c.partner === partner && c.purpose === purpose), (c) => c.outcome) };
    });
    return { configured: !!deps.citizens, hours, complete, total: checks.length, counts: countBy(checks, (c) => c.outcome), byPartner, recent: checks.slice(0, 50) };
  });

  // Dossier codes that start with what was typed, from the timeline index (SCAN, bounded).
  app.get<{ Querystring: { prefix: string; limit: number } }>(
    '/dossiers',
    {
      schema: {
        summary: 'Dossier codes that start with a prefix (for search)',
        response: { 200: { type: 'object', required: ['prefix', 'dossierCodes'], properties: { prefix: { type: 'string' }, dossierCodes: { type: 'array', items: { type: 'string' } } } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['prefix'],
          properties: { prefix: { type: 'string', minLength: 3, maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        },
      },
    },
    async (request) => {
      const { prefix, limit } = request.query;
      const head = `${deps.config.redis.prefix}:timeline:{`;
      const match = `${globEscape(head)}${globEscape(prefix)}*`;
      const nodes = 'nodes' in deps.redis ? (deps.redis as Cluster).nodes('master') : [deps.redis];
      const codes = new Set<string>();
      for (const node of nodes) {
        let cursor = '0';
        let rounds = 0;
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
          for (const key of keys) codes.add(key.slice(head.length, -1));
          cursor = next;
          rounds += 1;
        } while (cursor !== '0' && codes.size < limit && rounds < 200);
      }
      return { prefix, dossierCodes: [...codes].sort().slice(0, limit) };
    },
  );
}
