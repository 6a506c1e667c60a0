import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses, idParam, jsonOrXml, paymentSchema, signedDocumentErrors, signedRequestHeaders } from '../http/api-schemas.ts';
import { documentationOnly, signedDocumentBody } from '../routes/ingest-documentation.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { confirmReplicated } from '../http/replication.ts';
import { readSignedRequest } from '../pipeline/read-signed-request.ts';
import type { ExpectedPayment, FeeItem } from './payment-provider.ts';
import type { PaymentServices } from './payment-services.ts';

export interface PaymentRequestV1 {
  dossierCode: string;
  agencyCode: string;
  procedureCode?: string;
  procedureName?: string;
  provider: string;
  fees: FeeItem[];
  totalAmount: number;
  currency?: 'VND';
  description?: string;
  returnUrl: string;
}

const paymentRequestType = { schemaFile: 'payment-request.v1.json', xmlRoot: 'PaymentRequest', agencyCodeOf: (d: PaymentRequestV1) => d.agencyCode };

/** What a partner sees of a payment: no bank secrets, no internal keys. */
export function paymentView(p: ExpectedPayment) {
  return {
    paymentId: p.paymentId,
    dossierCode: p.dossierCode,
    provider: p.provider,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    fees: p.fees,
    paymentUrl: p.status === 'pending' ? p.paymentUrl : undefined,
    expiresAt: p.expiresAt,
    transactionNo: p.transactionNo,
    paidAt: p.paidAt,
    settledBy: p.settledBy,
    settledAfterExpiry: p.settledAfterExpiry,
    review: p.review ? { reason: p.review.reason, flaggedAt: p.review.flaggedAt, resolvedAs: p.review.resolution?.outcome, resolvedAt: p.review.resolution?.at } : undefined,
    refundedAmount: p.refundedAmount,
    refunds: p.refunds?.map((r) => ({ refundId: r.refundId, amount: r.amount, kind: r.kind, status: r.status, providerCode: r.providerCode, providerMessage: r.providerMessage, requestedAt: r.requestedAt, finishedAt: r.finishedAt })),
  };
}

/** Amounts a schema cannot check: the total is the sum of the items, and the provider is configured. */
function checkPaymentRequest(doc: PaymentRequestV1, payments: PaymentServices): void {
  const sum = doc.fees.reduce((total, fee) => total + fee.amount, 0);
  if (sum !== doc.totalAmount) {
    throw new GatewayError('SCHEMA_INVALID', 'totalAmount must equal the sum of the fee items', [{ path: '/totalAmount', message: `is ${doc.totalAmount}, the items sum to ${sum}` }]);
  }
  const codes = doc.fees.map((f) => f.code);
  const repeated = codes.find((c, i) => codes.indexOf(c) !== i);
  if (repeated) throw new GatewayError('SCHEMA_INVALID', 'each fee code may appear once', [{ path: '/fees', message: `code ${repeated} repeats` }]);
  if (!payments.providers.has(doc.provider)) {
    throw new GatewayError('SCHEMA_INVALID', `unknown payment provider "${doc.provider}"`, [{ path: '/provider', message: `must be one of ${JSON.stringify([...payments.providers.keys()])}` }]);
  }
}

function createPaymentDocumentation(deps: ApiDeps) {
  return {
    summary: 'Open a payment of a dossier\'s fees at a provider (signed, JSON or XML with root <PaymentRequest>)',
    consumes: jsonOrXml,
    headers: signedRequestHeaders,
    body: signedDocumentBody(paymentRequestType, deps),
    response: {
      201: { ...paymentSchema, description: 'opened: send the citizen to paymentUrl' },
      200: { ...paymentSchema, description: 'the same request again: the payment already open for these fees' },
      ...errorResponses(...signedDocumentErrors, 'PAYMENT_OPEN', 'PAYMENT_ALREADY_PAID', 'PAYMENT_UNDER_REVIEW', 'UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'REPLICATION_PENDING'),
    },
  };
}

/**
 * POST /v1/payments: authenticated, signed and validated like every partner document; the expected payment is
 * stored (with its expiry check) BEFORE the provider hears of it, so no callback can arrive for a payment the
 * gateway does not know. GET /v1/payments/:id and POST /v1/payments/:id/cancel for the partner that made it.
 */
export function registerPaymentRoutes(app: FastifyInstance, deps: ApiDeps, payments: PaymentServices): void {
  app.post('/v1/payments', { schema: createPaymentDocumentation(deps), validatorCompiler: documentationOnly }, async (request: FastifyRequest, reply: FastifyReply) => {
    const { body, document } = await readSignedRequest<PaymentRequestV1>(request, paymentRequestType, deps); // 1–6
    const replication = deps.replicas.ticket();
    checkPaymentRequest(document, payments); //                                                                 amounts
    const now = Date.now();
    const provider = deps.config.payments.providers[document.provider]!;
    const payment: ExpectedPayment = {
      // 20 characters (80 random bits): the national payment platform's public client never sends a longer
      // transaction_id (PayGateUtil.decodeTransactionId), and it is this id; VNPAY's vnp_TxnRef takes up to 100.
      paymentId: randomBytes(10).toString('hex'),
      partner: request.partner!.id,
      agencyCode: document.agencyCode,
      dossierCode: document.dossierCode,
      ...(document.procedureCode ? { procedureCode: document.procedureCode } : {}),
      ...(document.procedureName ? { procedureName: document.procedureName } : {}),
      provider: document.provider,
      fees: document.fees,
      amount: document.totalAmount,
      currency: 'VND',
      description: document.description ?? `Thanh toan phi ho so ${document.dossierCode}`,
      returnUrl: document.returnUrl,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + provider.paymentTtlMs).toISOString(),
      status: 'pending',
    };
    const log = request.log.child({ paymentId: payment.paymentId, dossierCode: payment.dossierCode });
    const requestSha256 = createHash('sha256').update(body.raw).digest('hex');
    const stored = await payments.store
      .create(payment, requestSha256, now + provider.paymentTtlMs + deps.config.payments.graceMs) //           stored
      .catch((err: Error) => {
        log.error({ err: err.message }, 'could not store the payment');
        throw new GatewayError('UNAVAILABLE', 'the payment store is unavailable; nothing was stored, retry later', [], { 'retry-after': '5' });
      });
    // On enough replicas before the bank hears of it: a failover cannot lose a payment the citizen may be paying.
    await confirmReplicated(replication, log);
    if (stored.kind === 'held') return answerHeld(stored, reply, payments);

    let paymentUrl: string;
    try {
      ({ paymentUrl } = await payments.providers.get(payment.provider)!.create(payment)); //                 created at the bank
    } catch (err) {
      log.warn({ err: (err as Error).message, provider: payment.provider }, 'provider could not create the payment');
      await payments.store.close(payment.paymentId, 'cancelled');
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `payment provider "${payment.provider}" is unavailable; nothing is open, retry later`, [], { 'retry-after': '30' });
    }
    await payments.store.setPaymentUrl(payment.paymentId, paymentUrl);
    await confirmReplicated(replication, log);
    log.info({ provider: payment.provider, amount: payment.amount }, 'payment created');
    return reply.code(201).send(paymentView({ ...payment, paymentUrl }));
  });

  const paymentIdParam = idParam('paymentId', 'the paymentId the gateway answered with');
  app.get<{ Params: { paymentId: string } }>(
    '/v1/payments/:paymentId',
    { schema: { summary: 'One of this partner\'s payments', params: paymentIdParam, response: { 200: paymentSchema, ...errorResponses('NOT_FOUND') } } },
    async (request) => paymentView(await ownPayment(request.params.paymentId, request, payments)),
  );

  app.post<{ Params: { paymentId: string } }>(
    '/v1/payments/:paymentId/cancel',
    {
      schema: {
        summary: 'Cancel a pending payment',
        params: paymentIdParam,
        response: { 200: paymentSchema, ...errorResponses('NOT_FOUND', 'PAYMENT_NOT_PENDING', 'REPLICATION_PENDING') },
      },
    },
    async (request) => {
    const replication = deps.replicas.ticket();
    const payment = await ownPayment(request.params.paymentId, request, payments);
    const result = await payments.store.close(payment.paymentId, 'cancelled');
    if (result !== 'closed') throw new GatewayError('PAYMENT_NOT_PENDING', `payment is ${result}, only a pending payment can be cancelled`);
    await confirmReplicated(replication, request.log);
    request.log.info({ paymentId: payment.paymentId }, 'payment cancelled by partner');
    return paymentView((await payments.store.get(payment.paymentId))!);
  },
  );
}

/** The dossier's fees are already held: the same request again gets the same payment, anything else a conflict. */
async function answerHeld(held: { paymentId: string; status: 'pending' | 'paid' | 'needs-review'; sameRequest: boolean }, reply: FastifyReply, payments: PaymentServices) {
  if (held.status === 'needs-review') {
    // The citizen may already have been debited: no second payment for these fees until an operator decides.
    throw new GatewayError('PAYMENT_UNDER_REVIEW', 'a payment for these fees is under review at the bank; wait for its result', [{ path: '/fees', message: `payment ${held.paymentId} needs review` }]);
  }
  if (held.status === 'paid') {
    throw new GatewayError('PAYMENT_ALREADY_PAID', 'these fees of this dossier are already paid', [{ path: '/fees', message: `paid by payment ${held.paymentId}` }]);
  }
  const existing = held.sameRequest ? await payments.store.get(held.paymentId) : undefined;
  if (!existing) {
    throw new GatewayError('PAYMENT_OPEN', 'these fees of this dossier already have an open payment; cancel it first', [{ path: '/fees', message: `open payment ${held.paymentId}` }]);
  }
  return reply.code(200).send(paymentView(existing));
}

async function ownPayment(paymentId: string, request: FastifyRequest, payments: PaymentServices): Promise<ExpectedPayment> {
  const payment = await payments.store.get(paymentId);
  if (!payment || payment.partner !== request.partner!.id) throw new GatewayError('NOT_FOUND', `no payment ${paymentId} for this partner`);
  return payment;
}
