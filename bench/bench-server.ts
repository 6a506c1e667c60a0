/**
 * One benchmark target in its own process (so the load generator does not share its event loop).
 * Usage: tsx bench/bench-server.ts <hello|bare|gateway> <config.json>; prints "READY <url>".
 */
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import type { GatewayConfig } from '../src/config/types.ts';
import { startGateway } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createProducerConnection } from '../src/redis/connections.ts';

const [scenario, configFile] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configFile!, 'utf8')) as GatewayConfig;

async function main(): Promise<string> {
  if (scenario === 'gateway') {
    const gateway = await startGateway(config, createLogger('warn'));
    return gateway.url!;
  }
  const app = Fastify({ logger: false });
  if (scenario === 'hello') {
    app.post('/v1/dossiers/status', async () => ({ hello: 'world' }));
  } else {
    // The floor under the gateway: the same body, straight into the same kind of queue, no checks at all.
    const queue = new Queue('bench-bare', { connection: createProducerConnection(config.redis), prefix: config.redis.prefix });
    app.post('/v1/dossiers/status', async (request, reply) => {
      const job = await queue.add('bare', request.body as object);
      return reply.code(202).send({ messageId: job.id, status: 'queued' });
    });
  }
  return app.listen({ host: '127.0.0.1', port: 0 });
}

main().then((url) => process.stdout.write(`READY ${url}\n`), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

// Exit through process.exit so --cpu-prof and similar flags can write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
