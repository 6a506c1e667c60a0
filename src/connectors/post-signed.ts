import { deliveryErrorFromNetwork } from '../delivery/delivery-error.ts';
import { traceHeaders } from '../observability/trace-context.ts';
import type { ConnectorContext, DeliveryRequest } from './connector-types.ts';
import type { TransportAnswer } from './transport/transport.ts';

/**
 * How every delivery leaves the gateway: a JSON POST carrying the message's Idempotency-Key and trace id, the
 * gateway's CMS signature over the exact body, a bearer credential, and the destination's timeout. Network
 * failures become retryable DeliveryErrors; the caller judges the answer.
 */
export async function postSigned(context: ConnectorContext, operation: string, path: string, body: Buffer, request: DeliveryRequest, bearer: string): Promise<TransportAnswer> {
  try {
    return await context.transport.call({
      operation,
      path,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${bearer}`,
        'idempotency-key': request.idempotencyKey,
        ...traceHeaders(request.traceId),
        'x-signature': context.signOutbound(body),
      },
      body,
      timeoutMs: context.destination.timeoutMs,
      notAfter: request.claimFresh,
    });
  } catch (err) {
    throw deliveryErrorFromNetwork(context.destinationName, err);
  }
}
