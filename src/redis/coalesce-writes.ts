import type { Redis } from 'ioredis';
import type { Socket } from 'node:net';

const coalesced = Symbol('coalesced writes');

/**
 * Commands sent in one stretch of code (a worker's claim with its reads; its records, release and BullMQ's
 * completion; the several commands of one request) leave in one socket write instead of one write each: the first
 * write corks the socket and the end of the current tick (its promise callbacks included) uncorks it. Nothing waits
 * for anything else, unlike ioredis's auto-pipelining, which holds commands until the previous batch is answered
 * and builds a Pipeline object per batch (both measured slower here: bench, 2026-11-24). Order is kept: a corked
 * socket writes its chunks in the order they were written, so "sent in this order on one connection" still holds.
 *
 * ioredis writes with `stream.write`, one call per command, and makes a new socket on every reconnect: each socket
 * is wrapped when it connects. Only a single-server or Sentinel connection; a Cluster's node connections are its own.
 */
export function coalesceWrites(redis: Redis): void {
  const wrap = () => {
    const socket = redis.stream as (Socket & { [coalesced]?: true }) | undefined;
    if (!socket || socket[coalesced]) return;
    socket[coalesced] = true;
    const write = socket.write;
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    socket.write = function coalescedWrite(this: Socket, ...args: unknown[]) {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as Socket['write'];
  };
  redis.on('connect', wrap);
  wrap();
}
