import type { Redis } from 'ioredis';
import type { Socket } from 'node:net';

const coalesced = Symbol('coalesced writes');

/**
 * Commands sent in one stretch of code (a worker's claim with its reads; its records, release and BullMQ's
 * completion; the several commands of one request) leave in one socket write instead of one write each: the first
 * write corks the socket and a process.nextTick uncorks it, so everything written until the current callback and the
 * promise callbacks queued behind it have run goes together (a first write from inside a nextTick callback uncorks
 * before those promise callbacks: fewer commands share the write, nothing else changes). No command waits for an
 * answer to another, unlike ioredis's auto-pipelining, which holds a batch until the previous one is answered and
 * builds a Pipeline object per batch (both measured slower here: bench, 2026-11-24). Order is kept: a corked socket
 * writes its chunks in the order they were written, so "sent in this order on one connection" still holds.
 *
 * The price: a command leaves only once the code queued behind it in that tick has run, so a long synchronous stretch
 * there (the sealer's batch, an RSA signature) delays it; its answer would have been read only after that stretch
 * anyway, so it costs about one round trip, not the stretch.
 *
 * ioredis writes with `stream.write`, one call per command, and makes a new socket on every reconnect: each socket
 * is wrapped when it connects (what ioredis sends before its 'connect' event, AUTH, SELECT, CLIENT SETNAME, goes
 * plain). Only a single-server or Sentinel connection; a Cluster's node connections are its own, and the duplicates
 * BullMQ makes for its blocking commands are left plain (nothing is ordered against them).
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
