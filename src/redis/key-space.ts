import type { RedisConfig } from '../config/types.ts';

/**
 * Where a destination queue's keys live. A Lua script, a MULTI or a pipeline may touch keys of one slot only on a
 * Redis Cluster, and a key's slot is the hash of its first `{…}`:
 * - the gateway's own keys all begin with the prefix, which loading turns into a hash tag on a Cluster (`{gw}`):
 *   they share one slot, so every script of ours (src/{delivery,payments,postal}/scripts, the pollers' lock and
 *   cursor), the message log's transactions and the pipelines that write the log and a timeline together stay legal;
 * - BullMQ's scripts touch many keys of one queue at once: each destination queue gets a tag of its own
 *   (`gw:{national-portal}:deliver-national-portal:…`), so its keys share a slot and the queues spread over the masters.
 * On one server or Sentinel the names are what they always were (`gw:deliver-national-portal:…`).
 */
export function queuePrefix(redis: RedisConfig, destination: string): string {
  return redis.cluster ? `${redis.prefix.replace(/[{}]/g, '')}:{${destination}}` : redis.prefix;
}
