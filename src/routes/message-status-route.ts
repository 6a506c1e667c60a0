import type { FastifyInstance } from 'fastify';
import { errorResponses, idParam, messageStatusSchema } from '../http/api-schemas.ts';
import { readDiscarded } from '../admin/dead-letters.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { GatewayError } from '../http/errors.ts';
import { describeMessage, findMessage } from '../messages/message-status.ts';
import { statusFromLog } from '../messages/logged-status.ts';

/** GET /v1/messages/:messageId: a partner follows its own messages; another partner's look the same as missing. */
export function registerMessageStatusRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { messageId: string } }>(
    '/v1/messages/:messageId',
    {
      schema: {
        summary: "Follow one of this partner's messages: state, every delivery attempt, next attempt",
        params: idParam('messageId', 'the messageId the gateway answered with'),
        response: { 200: messageStatusSchema, ...errorResponses('NOT_FOUND') },
      },
    },
    async (request) => {
    const partner = request.partner!.id;
    const found = await findMessage(deps.queues, request.params.messageId);
    if (found && found.job.data.partner === partner) return describeMessage(found, deps.queues);
    // A dead letter an operator discarded stays visible to its partner as dead, with the operator's reason.
    const discarded = found ? undefined : await readDiscarded(deps.redis, deps.config.redis.prefix, request.params.messageId);
    if (discarded && discarded.partner === partner) {
      const { partner: _partner, discardedAt, ...view } = discarded;
      return { ...view, state: 'dead', lastAttemptAt: null, finishedAt: discardedAt, nextAttemptAt: null, history: [] };
    }
    // A delivered message's job is trimmed after retention.deliveredMs, or sooner past completedJobsPerDestination:
    // the message log (Redis, then its archive) still says how it ended.
    const logged = found ? undefined : statusFromLog(request.params.messageId, partner, await deps.messageLogLookup.recordsOf(request.params.messageId));
    if (logged) return logged;
    throw new GatewayError('NOT_FOUND', `no message ${request.params.messageId} for this partner`);
  },
  );
}
