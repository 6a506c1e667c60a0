import { idParam } from '../http/api-schemas.ts';
import { paymentAdminResponses } from './admin-api-schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { paymentView } from '../payments/payment-routes.ts';
import { parseSettlementCsv, reconcile } from '../payments/reconcile.ts';
import type { PaymentServices } from '../payments/payment-services.ts';
import type { AuditTrail } from './audit-trail.ts';
import { registerPaymentRefundRoutes } from './payment-refund-routes.ts';
import { registerPaymentReviewRoutes } from './payment-review-routes.ts';

/** Settlement files of a busy day are large: a few MB of CSV. */
const settlementBodyLimit = 8 * 1024 * 1024;

/**
 * /admin/api/payments: look a payment up, reconcile a bank's settlement file (read-only, viewers may); payments
 * under review and refunds have their own modules.
 */
export function registerPaymentAdminRoutes(app: FastifyInstance, deps: ApiDeps, payments: PaymentServices, audit: AuditTrail): void {
  app.get<{ Params: { paymentId: string } }>(
    '/payments/:paymentId',
    { schema: { summary: 'One payment with its review and refunds', params: idParam('paymentId', 'the gateway\'s payment id'), response: paymentAdminResponses.payment } },
    async (request) => {
    const payment = await payments.store.get(request.params.paymentId);
    if (!payment) throw new GatewayError('NOT_FOUND', `no payment ${request.params.paymentId}`);
    return { ...paymentView(payment), partner: payment.partner, agencyCode: payment.agencyCode, createdAt: payment.createdAt, providerCodes: payment.review?.providerCodes, refunds: payment.refunds };
  },
  );
  registerPaymentReviewRoutes(app, deps, payments, audit);
  registerPaymentRefundRoutes(app, deps, payments, audit);

  app.post<{ Body: { date: string; csv: string; provider?: string } }>(
    '/payments/reconcile',
    {
      bodyLimit: settlementBodyLimit,
      schema: {
        summary: "Compare a bank's settlement file (CSV) with the gateway's payments of a day",
        response: paymentAdminResponses.reconciled,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['date', 'csv'],
          properties: { date: { type: 'string', format: 'date' }, csv: { type: 'string', maxLength: settlementBodyLimit }, provider: { type: 'string', pattern: '^[a-z0-9-]+$' } },
        },
      },
    },
    async (request) => {
      const { date, csv, provider } = request.body;
      if (provider && !deps.config.payments.providers[provider]) throw new GatewayError('SCHEMA_INVALID', `unknown provider "${provider}"`, [{ path: '/provider', message: 'not configured' }]);
      return reconcile(payments.store, date, parseSettlementCsv(csv), provider);
    },
  );
}
