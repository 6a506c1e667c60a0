import type { FastifyInstance } from 'fastify';
import { errorResponses, idParam, messageStateSchema } from '../http/api-schemas.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { confirmReplicated } from '../http/replication.ts';
import { readDiscarded } from '../admin/dead-letters.ts';
import { describeMessage, findMessage } from '../messages/message-status.ts';
import { registerIngestRoute } from '../routes/ingest-route.ts';
import type { PostalCarrier } from './postal-carrier.ts';
import { postalShipmentV1 } from './postal-message-types.ts';
import type { ShipmentStore } from './shipment-store.ts';

export interface PostalServices {
  store: ShipmentStore;
  /** Carrier (destination name) → its connector's port. */
  carriers: Map<string, PostalCarrier>;
}

const cancellationSchema = {
  type: 'object',
  required: ['outcome', 'statusCode', 'at'],
  properties: {
    outcome: { type: 'string', enum: ['cancelled', 'refused'] },
    statusCode: { type: 'integer', description: "HTTP status of the carrier's answer" },
    carrierStatus: { type: 'string' },
    message: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

const shipmentSchema = {
  type: 'object',
  required: ['shipmentId', 'state', 'creation', 'history'],
  properties: {
    shipmentId: { type: 'string' },
    dossierCode: { type: 'string' },
    carrier: { type: 'string' },
    orderNumber: { type: 'string', description: "the carrier's order number, once it took the order" },
    creation: { ...messageStateSchema, description: 'the state of the request to the carrier' },
    trackingNumber: { type: 'string' },
    state: { type: 'string', enum: ['requested', 'created', 'accepted', 'in-transit', 'delivered', 'cancelled'] },
    stateTime: { type: 'string', format: 'date-time' },
    history: {
      type: 'array',
      items: { type: 'object', properties: { eventId: { type: 'string' }, state: { type: 'string' }, occurredAt: { type: 'string' }, carrierStatus: { type: 'string' }, statusMessage: { type: 'string' }, trackingNumber: { type: 'string' } } },
    },
    cancellation: cancellationSchema,
  },
} as const;

/**
 * POST /v1/postal/shipments: the ingest walk (signed, validated, deduplicated, queued to the carrier); the message id
 * is the shipment id. GET /v1/postal/shipments/:id: the creation's delivery state and the tracking so far.
 * POST /v1/postal/shipments/:id/cancel: asks the carrier to cancel; its answer is stored and returned.
 */
export function registerPostalRoutes(app: FastifyInstance, deps: ApiDeps, postal: PostalServices): void {
  registerIngestRoute(app, '/v1/postal/shipments', postalShipmentV1, deps);

  const shipmentIdParam = idParam('shipmentId', 'the messageId the gateway answered the shipment request with');
  app.get<{ Params: { shipmentId: string } }>(
    '/v1/postal/shipments/:shipmentId',
    { schema: { summary: 'A shipment: its creation at the carrier and the tracking so far', params: shipmentIdParam, response: { 200: shipmentSchema, ...errorResponses('NOT_FOUND') } } },
    async (request) => {
    const found = await findMessage(deps.queues, request.params.shipmentId);
    if (!found || found.job.data.partner !== request.partner!.id || found.job.data.type !== postalShipmentV1.type) {
      throw new GatewayError('NOT_FOUND', `no shipment ${request.params.shipmentId} for this partner`);
    }
    const creation = await describeMessage(found, deps.queues);
    const [record, tracking] = await Promise.all([postal.store.record(request.params.shipmentId), postal.store.tracking(request.params.shipmentId)]);
    return {
      shipmentId: request.params.shipmentId,
      dossierCode: creation.dossierCode,
      carrier: creation.destination,
      orderNumber: record?.orderNumber,
      creation: creation.state,
      ...tracking,
      // Before the first tracking event: requested until the carrier took the order, then created.
      state: tracking.state ?? (creation.state === 'delivered' ? 'created' : 'requested'),
    };
  },
  );

  app.post<{ Params: { shipmentId: string } }>(
    '/v1/postal/shipments/:shipmentId/cancel',
    {
      schema: {
        summary: 'Ask the carrier to cancel a shipment; its answer is stored and returned',
        params: shipmentIdParam,
        response: {
          200: { type: 'object', required: ['shipmentId', 'orderNumber', 'cancellation'], properties: { shipmentId: { type: 'string' }, orderNumber: { type: 'string' }, cancellation: cancellationSchema } },
          ...errorResponses('NOT_FOUND', 'SHIPMENT_NOT_CREATED', 'CANCEL_REFUSED', 'UPSTREAM_UNAVAILABLE', 'REPLICATION_PENDING'),
        },
      },
    },
    async (request) => {
    const { shipmentId } = request.params;
    const replication = deps.replicas.ticket();
    const record = await postal.store.record(shipmentId);
    if (!record || record.partner !== request.partner!.id) {
      const found = await findMessage(deps.queues, shipmentId);
      if (found && found.job.data.partner === request.partner!.id && found.job.data.type === postalShipmentV1.type) {
        throw new GatewayError('SHIPMENT_NOT_CREATED', 'the carrier has not been asked for this shipment yet: retry once it is created');
      }
      throw new GatewayError('NOT_FOUND', `no shipment ${shipmentId} for this partner`);
    }
    // The record is written before the carrier is asked to create the order (so its tracking finds it): until the
    // request is delivered the carrier does not know the order number, and a cancel would be refused and stored as if
    // the carrier had decided. A job gone from the queue was delivered and trimmed, unless an operator discarded it dead.
    // A request dead-lettered after a call left unanswered may have created the order: an operator's retry settles it.
    const job = (await findMessage(deps.queues, shipmentId))?.job;
    if (job && (await job.getState()) !== 'completed') {
      throw new GatewayError('SHIPMENT_NOT_CREATED', 'the carrier has not created this shipment yet (its request is being delivered, or was dead-lettered): retry once it is created');
    }
    if (!job && (await readDiscarded(deps.redis, deps.config.redis.prefix, shipmentId))) {
      throw new GatewayError('SHIPMENT_NOT_CREATED', 'the request for this shipment was dead-lettered and discarded by an operator: the carrier never created it');
    }
    const carrier = postal.carriers.get(record.carrier);
    if (!carrier) throw new GatewayError('NOT_FOUND', `carrier "${record.carrier}" of shipment ${shipmentId} is no longer configured`);
    const log = request.log.child({ shipmentId, carrier: record.carrier });
    let answer;
    try {
      answer = await carrier.cancel(record.orderNumber);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cancel: carrier unreachable');
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `carrier ${record.carrier} could not be asked; nothing changed, retry later`, [], { 'retry-after': '30' });
    }
    const cancellation = { ...answer, at: new Date().toISOString() };
    await postal.store.recordCancellation(shipmentId, cancellation);
    await confirmReplicated(replication, log);
    log.info({ outcome: cancellation.outcome, statusCode: cancellation.statusCode, carrierStatus: cancellation.carrierStatus }, 'cancel asked of the carrier');
    if (cancellation.outcome === 'refused') {
      throw new GatewayError('CANCEL_REFUSED', `carrier ${record.carrier} refused to cancel (HTTP ${cancellation.statusCode})`, [{ path: '/cancellation', message: cancellation.message ?? '' }]);
    }
    return { shipmentId, orderNumber: record.orderNumber, cancellation };
  },
  );
}
