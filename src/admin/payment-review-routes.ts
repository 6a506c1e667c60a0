import { idParam } from '../http/api-schemas.ts';
import { paymentAdminResponses } from './admin-api-schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { paymentView } from '../payments/payment-routes.ts';
import type { PaymentServices } from '../payments/payment-services.ts';
import { requireOperator } from './admin-auth.ts';
import type { AuditTrail } from './audit-trail.ts';

/**
 * Payments a provider flagged (VNPAY: suspect, reversed, suspected fraud) wait for an operator:
 * GET /payments?status=needs-review lists them (viewers may); POST /payments/:id/review {outcome, reason}
 * decides paid or failed (operators), audited; only then does the province hear the outcome.
 */
export function registerPaymentReviewRoutes(app: FastifyInstance, deps: ApiDeps, payments: PaymentServices, audit: AuditTrail): void {
  app.get<{ Querystring: { status: 'needs-review'; limit: number } }>(
    '/payments',
    {
      schema: {
        summary: 'Payments a bank flagged for review, oldest first',
        response: paymentAdminResponses.payments,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { type: 'string', enum: ['needs-review'] }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        },
      },
    },
    async (request) => {
      const found = await payments.store.needingReview(request.query.limit);
      return { payments: found.map((p) => ({ ...paymentView(p), partner: p.partner, agencyCode: p.agencyCode, createdAt: p.createdAt, providerCodes: p.review?.providerCodes })) };
    },
  );

  app.post<{ Params: { paymentId: string }; Body: { outcome: 'paid' | 'failed'; reason: string } }>(
    '/payments/:paymentId/review',
    {
      preHandler: requireOperator,
      schema: {
        summary: 'Decide a flagged payment: paid or failed (the province then hears it)',
        params: idParam('paymentId', "the gateway's payment id"),
        response: paymentAdminResponses.reviewed,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['outcome', 'reason'],
          properties: { outcome: { type: 'string', enum: ['paid', 'failed'] }, reason: { type: 'string', minLength: 3, maxLength: 500 } },
        },
      },
    },
    async (request) => {
      const { paymentId } = request.params;
      const { outcome, reason } = request.body;
      const result = await payments.store.resolveReview(paymentId, outcome, { by: request.admin!.name, reason });
      if (result === 'not-found') throw new GatewayError('NOT_FOUND', `no payment ${paymentId}`);
      if (result !== 'resolved') throw new GatewayError('PAYMENT_NOT_UNDER_REVIEW', `payment is ${result}; only a payment that needs review can be resolved`, [{ path: '/paymentId', message: `status ${result}` }]);
      await audit.record({ actor: request.admin!.name, role: request.admin!.role, action: `payment-review-${outcome}`, target: paymentId, reason, count: 1 });
      const payment = (await payments.store.get(paymentId))!;
      deps.metrics.recordPaymentReview(payment.provider, outcome);
      request.log.info({ paymentId, outcome }, 'payment review resolved');
      await payments.events.flush(paymentId).catch((err: Error) => request.log.warn({ paymentId, err: err.message }, 'payment result left in the outbox'));
      return paymentView(payment);
    },
  );
}
