import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/types.ts';
import { GatewayError, toErrorBody } from '../http/errors.ts';
import { adminIdentityOf } from './admin-auth.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';

export const queueBoardPath = '/admin/queues';

/**
 * bull-board's raw view of the BullMQ queues, read-only: repairs go through /admin/api, where they need a reason
 * and are audited. Its UI calls its own API from the browser, so it is protected by HTTP Basic authentication
 * (any user name, an admin token as the password), which the browser asks for and then sends by itself.
 */
export function registerQueueBoard(app: FastifyInstance, queues: DestinationQueues, admins: GatewayConfig['admins']): void {
  const identify = adminIdentityOf(admins);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(queueBoardPath);
  createBullBoard({ queues: queues.all().map(([, queue]) => new BullMQAdapter(queue, { readOnlyMode: true })), serverAdapter });

  app.register(async (scope) => {
    // Answered here, not thrown: bull-board installs its own error handler, which would drop our headers.
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
      if (!identify(password)) {
        const refusal = new GatewayError('AUTH_INVALID', 'an admin token is required (as the password)');
        return reply.code(401).header('www-authenticate', 'Basic realm="gateway admin", charset="UTF-8"').send(toErrorBody(refusal));
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: queueBoardPath });
  });
}
