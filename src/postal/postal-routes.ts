import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import type { Envelope } from '../messages/envelope.ts';
import { describeMessage, findMessage } from '../messages/message-status.ts';
import { publishMessage } from '../messages/publish-message.ts';
import { registerIngestRoute } from '../routes/ingest-route.ts';
import { CallbackRefused, type CallbackRequest } from '../payments/payment-provider.ts';
import { postalShipmentV1, trackingEventType } from './postal-message-types.ts';
import type { TrackingEvent, TrackingReceiver, TrackingVerdict } from './postal-types.ts';
import type { ShipmentStore } from './shipment-store.ts';

export interface PostalServices {
  store: ShipmentStore;
  /** Carrier (destination name) → its tracking callback reader. */
  receivers: Map<string, TrackingReceiver>;
}

/**
 * POST /v1/postal/shipments: the ingest walk (signed, validated, deduplicated, queued to the carrier); the message id
 * is the shipment id. GET /v1/postal/shipments/:id: the creation's delivery state and the tracking so far.
 */
export function registerPostalRoutes(app: FastifyInstance, deps: ApiDeps, postal: PostalServices): void {
  registerIngestRoute(app, '/v1/postal/shipments', postalShipmentV1, deps);
  app.get<{ Params: { shipmentId: string } }>('/v1/postal/shipments/:shipmentId', async (request) => {
    const found = await findMessage(deps.queues, request.params.shipmentId);
    if (!found || found.job.data.partner !== request.partner!.id || found.job.data.type !== postalShipmentV1.type) {
      throw new GatewayError('NOT_FOUND', `no shipment ${request.params.shipmentId} for this partner`);
    }
    const creation = await describeMessage(found, deps.queues);
    const tracking = await postal.store.tracking(request.params.shipmentId);
    // Before the first tracking event, the number is the one the carrier gave when the order was created.
    const created = found.job.returnvalue?.produced?.[0] as { trackingNumber?: string } | undefined;
    return {
      shipmentId: request.params.shipmentId,
      dossierCode: creation.dossierCode,
      carrier: creation.destination,
      creation: creation.state,
      ...tracking,
      trackingNumber: tracking.trackingNumber ?? created?.trackingNumber,
      state: tracking.state ?? (creation.state === 'delivered' ? 'created' : 'requested'),
    };
  });
}

/**
 * /v1/postal/callbacks/:carrier: tracking events, authenticated by the carrier's signature. Each event is applied
 * once per shipment by an atomic script (an older event never overwrites a newer state), and each that changed the
 * state is queued on to the province, ordered per shipment.
 */
export async function postalCallbackRoutes(app: FastifyInstance, options: { deps: ApiDeps; postal: PostalServices }): Promise<void> {
  const { deps, postal } = options;
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_r, raw, done) => done(null, raw));
  app.post<{ Params: { carrier: string } }>('/v1/postal/callbacks/:carrier', async (request, reply) => {
    const carrier = request.params.carrier;
    const receiver = postal.receivers.get(carrier);
    if (!receiver) throw new GatewayError('NOT_FOUND', `no carrier "${carrier}"`);
    const callback: CallbackRequest = { method: request.method, query: {}, headers: request.headers, rawBody: request.body as Buffer };
    let verdict: TrackingVerdict = 'accepted';
    let applied = 0;
    let events: TrackingEvent[] = [];
    try {
      events = await receiver.readCallback(callback); //                              read + signature
      for (const event of events) {
        const result = await postal.store.apply(event); //                             applied once, in order
        if (result === 'applied') {
          applied += 1;
          await publishTracking(deps, carrier, event); //                             queued on
        }
      }
    } catch (err) {
      verdict = err instanceof CallbackRefused ? err.verdict : 'error';
      if (verdict === 'error') request.log.error({ err: (err as Error).message }, 'tracking callback failed; the carrier will retry');
    }
    request.log.info({ carrier, verdict, received: events.length, applied }, 'tracking callback');
    const { statusCode, body } = receiver.reply(verdict, { received: events.length, applied });
    return reply.code(statusCode).send(body);
  });
}

async function publishTracking(deps: ApiDeps, carrier: string, event: TrackingEvent): Promise<void> {
  const origin = (await findMessage(deps.queues, event.shipmentId))?.job.data as Envelope | undefined;
  await publishMessage(
    deps.publish,
    {
      type: trackingEventType,
      partner: origin?.partner ?? `carrier:${carrier}`,
      agencyCode: origin?.agencyCode ?? '',
      dossierCode: origin?.dossierCode ?? event.trackingNumber,
      traceId: event.shipmentId.replace(/-/g, ''),
      orderingTime: Date.parse(event.occurredAt),
      orderingKey: `shipment:${event.shipmentId}`,
      payload: { ...event, carrier },
    },
    `${trackingEventType}|${carrier}|${event.eventId}`,
    deps.config.routes[trackingEventType] ?? [],
  );
}
