import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses, idParam } from '../http/api-schemas.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { firstInvalidUtf8Byte } from '../pipeline/decode-text.ts';
import { SignatureError } from '../signatures/signature-error.ts';
import { CallbackRefused, PaymentNotFound, type CallbackVerdict, type ProviderStatement } from './payment-provider.ts';
import type { PaymentServices } from './payment-services.ts';

/** Callbacks are small; anything larger is not a bank's. */
const callbackBodyLimit = 16 * 1024;

/**
 * /v1/payments/callbacks/:provider (GET for IPN-style, POST for JSON-style): banks are authenticated by their
 * signature, not an API key. One straight walk: read + verify (connector) → settle once (atomic script, fsynced
 * before the reply) → queue the result downstream → reply in the provider's protocol. Every callback, genuine
 * or not, is counted and written to the message log.
 */
export async function paymentCallbackRoutes(app: FastifyInstance, options: { deps: ApiDeps; payments: PaymentServices }): Promise<void> {
  const { deps, payments } = options;
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: callbackBodyLimit }, (_r, raw, done) => done(null, raw));

  const handle = async (request: FastifyRequest<{ Params: { provider: string } }>) => {
    const name = request.params.provider;
    const provider = payments.providers.get(name);
    if (!provider) throw new GatewayError('NOT_FOUND', `no payment provider "${name}"`);
    const log = request.log.child({ partner: `provider:${name}` });
    let statement: ProviderStatement | undefined;
    let verdict: CallbackVerdict;
    const replication = deps.replicas.ticket();
    try {
      const callback = { method: request.method, query: request.query as Record<string, string>, headers: request.headers, rawBody: request.body as Buffer | undefined };
      // A body that is not UTF-8 is refused before any provider reads it: decoded with replacement it would be other text.
      const notText = callback.rawBody ? firstInvalidUtf8Byte(callback.rawBody) : -1;
      if (notText >= 0) throw new CallbackRefused('malformed', `invalid UTF-8 at byte ${notText}`);
      statement = await provider.readCallback(callback, (paymentId) => payments.store.get(paymentId)); //   read + signature
      verdict = await payments.store.settle(statement, 'callback'); //               settled once
      if (verdict === 'confirmed') {
        const paymentId = statement.paymentId;
        if (statement.outcome === 'needs-review') deps.metrics.recordPaymentReview(name, 'flagged');
        // Settled and in the outbox already: a failure here is finished by the outbox relay, the bank still hears "confirmed".
        await payments.events.flush(paymentId).catch((err: Error) => log.warn({ paymentId, err: err.message }, 'payment result left in the outbox')); // queued downstream
      }
    } catch (err) {
      verdict = verdictOf(err);
      if (verdict === 'error') log.error({ err: (err as Error).message }, 'payment callback failed; the provider will retry');
    }
    if (verdict === 'confirmed' || verdict === 'already-confirmed') {
      // The bank stops calling back once it hears "confirmed": only after enough replicas hold the settlement.
      await replication.confirmed().catch((err: Error) => {
        log.warn({ paymentId: statement?.paymentId, err: err.message }, 'settlement not yet on enough replicas; the provider will retry');
        verdict = 'error';
      });
    }
    deps.metrics.recordPaymentCallback(name, verdict);
    log.info({ paymentId: statement?.paymentId, verdict, outcome: statement?.outcome }, 'payment callback');
    await deps.messageLog
      .append({ direction: 'inbound', messageId: statement?.paymentId, partner: `provider:${name}`, type: 'payment.callback', outcome: verdict, body: statement })
      .catch((err: Error) => log.warn({ err: err.message }, 'message log append failed'));
    return provider.reply(verdict); //                                                 replied
  };

  app.route<{ Params: { provider: string } }>({
    method: ['GET', 'POST'],
    url: '/v1/payments/callbacks/:provider',
    schema: {
      summary: "A payment provider's result (IPN/callback: its own query string or body, authenticated by its own signature)",
      description: "Each provider's protocol, not a partner API: the answer is in the provider's own format (e.g. VNPAY {RspCode, Message}).",
      tags: ['bank'],
      security: [],
      params: idParam('provider', 'a configured payment provider, e.g. vnpay'),
      response: { 200: { type: 'object', additionalProperties: true, description: "the provider's acknowledgement, in its format" }, ...errorResponses('NOT_FOUND', 'BODY_MALFORMED', 'INTERNAL') },
    },
    handler: async (request, reply) => {
      const { statusCode, body } = await handle(request);
      return reply.code(statusCode).send(body);
    },
  });
}

function verdictOf(err: unknown): CallbackVerdict {
  if (err instanceof CallbackRefused) return err.verdict;
  if (err instanceof PaymentNotFound) return 'not-found';
  if (err instanceof SignatureError) return 'invalid-signature';
  return 'error';
}
