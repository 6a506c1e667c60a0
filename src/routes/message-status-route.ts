import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { describeMessage, findMessage } from '../messages/message-status.ts';

/** GET /v1/messages/:messageId: a partner follows its own messages; another partner's look the same as missing. */
export function registerMessageStatusRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { messageId: string } }>('/v1/messages/:messageId', async (request) => {
    const found = await findMessage(deps.queues, request.params.messageId);
    if (!found || found.job.data.partner !== request.partner!.id) {
      throw new GatewayError('NOT_FOUND', `no message ${request.params.messageId} for this partner`);
    }
    return describeMessage(found, deps.queues);
  });
}
