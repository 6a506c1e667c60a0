import type { Pool } from 'undici';
import { deliveryErrorFromNetwork } from '../delivery/delivery-error.ts';
import type { ConnectorContext, DeliveryRequest } from './connector-types.ts';

export interface SignedPostAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * How every delivery leaves the gateway: a JSON POST carrying the message's Idempotency-Key and trace id, the
 * gateway's CMS signature over the exact body, a bearer credential, and the destination's timeout. Network
 * failures become retryable DeliveryErrors; the caller judges the answer.
 */
export async function postSigned(pool: Pool, context: ConnectorContext, path: string, body: Buffer, request: DeliveryRequest, bearer: string): Promise<SignedPostAnswer> {
  try {
    const res = await pool.request({
      path,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${bearer}`,
        'idempotency-key': request.idempotencyKey,
        'x-trace-id': request.traceId,
        'x-signature': context.signOutbound(body),
      },
      body,
      signal: AbortSignal.timeout(context.destination.timeoutMs),
    });
    return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
  } catch (err) {
    throw deliveryErrorFromNetwork(context.destinationName, err);
  }
}
