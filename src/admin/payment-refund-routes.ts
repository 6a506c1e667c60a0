import { idParam } from '../http/api-schemas.ts';
import { paymentAdminResponses } from './admin-api-schemas.ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { confirmReplicated } from '../http/replication.ts';
import type { PaymentServices } from '../payments/payment-services.ts';
import { refundPayment } from '../payments/refund-payment.ts';
import { requireOperator } from './admin-auth.ts';
import type { AuditTrail } from './audit-trail.ts';

/**
 * POST /payments/:paymentId/refund {amount?, reason} (operators): refunds a paid payment at its provider, all of
 * what remains or `amount` VND. Audited whatever the provider answered (the attempt is an operator action too).
 */
export function registerPaymentRefundRoutes(app: FastifyInstance, deps: ApiDeps, payments: PaymentServices, audit: AuditTrail): void {
  app.post<{ Params: { paymentId: string }; Body: { amount?: number; reason: string } }>(
    '/payments/:paymentId/refund',
    {
      preHandler: requireOperator,
      schema: {
        summary: 'Refund a paid payment at its provider, all of it or an amount',
        params: idParam('paymentId', "the gateway's payment id"),
        response: paymentAdminResponses.refunded,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: { amount: { type: 'integer', minimum: 1, maximum: 1e12 }, reason: { type: 'string', minLength: 3, maxLength: 500 } },
        },
      },
    },
    async (request) => {
      const { paymentId } = request.params;
      const { amount, reason } = request.body;
      const provider = (await payments.store.get(paymentId))?.provider ?? 'unknown';
      const record = (outcome: string, count: number) =>
        audit.record({ actor: request.admin!.name, role: request.admin!.role, action: `payment-refund-${outcome}`, target: paymentId, reason, count });
      try {
        const replication = deps.replicas.ticket();
        const command = { paymentId, amount, requestedBy: request.admin!.name, reason };
        const refund = await refundPayment(payments, command, request.log, () => confirmReplicated(replication, request.log));
        deps.metrics.recordPaymentRefund(provider, 'refunded');
        await record('refunded', 1);
        return { paymentId, refund };
      } catch (err) {
        if (err instanceof GatewayError && ['REFUND_REFUSED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE'].includes(err.code)) {
          const outcome = err.code === 'REFUND_REFUSED' ? 'refused' : 'error';
          deps.metrics.recordPaymentRefund(provider, outcome);
          await record(outcome, 0);
        }
        throw err;
      }
    },
  );
}
