import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two kinds of connection, as BullMQ wants them:
 * - producer: fails fast while Redis is down (no offline queue), so ingest answers 503 instead of buffering;
 * - worker: blocks and retries forever (`maxRetriesPerRequest: null`) and reconnects by itself after a restart.
 */
export function createProducerConnection(url: string): Redis {
  return new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { ...common, maxRetriesPerRequest: null });
}

const common: RedisOptions = {
  connectionName: 'gateway',
  // Reconnect quickly at first, then at most every 2 s: a restarted Redis is picked up within seconds.
  retryStrategy: (times) => Math.min(50 * times, 2000),
};
