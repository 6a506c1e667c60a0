import type { Redis } from 'ioredis';
import type { Socket } from 'node:net';

/**
 * Takes a connection for dead when it has waited `timeoutMs` for an answer and heard nothing: its socket is
 * destroyed and ioredis connects again (through the sentinels: to the primary they name now). A primary that crashes
 * closes its sockets; one whose host hangs, or that the network cuts off, does not, and every command then waited on
 * the dead socket for as long as TCP takes to give up (minutes): ingest never answered, and after the sentinels
 * promoted a replica nothing moved to it.
 *
 * ioredis's own `socketTimeout` is not used: its timer outlives the socket it was set for, so after any reconnect
 * it destroyed the next, healthy socket with commands in flight (seen as jobs stalling in a loaded test run).
 * Here every check looks at the socket of the moment. Only for connections without blocking commands (BullMQ's
 * duplicates for BZPOPMIN have a watchdog of their own); a WAIT for replicas must be shorter than `timeoutMs`.
 */
export function watchForHungSocket(redis: Redis, timeoutMs: number): void {
  let socket: Socket | undefined;
  /** Since when the oldest unanswered command of this socket waits, as far as data tells (undefined: nothing waits). */
  let waitingSince: number | undefined;
  const pending = () => (redis as unknown as { commandQueue: { length: number } }).commandQueue.length;
  const watch = () => {
    const current = redis.stream as Socket | undefined;
    if (!current || current === socket) return;
    socket = current;
    waitingSince = undefined;
    current.on('data', () => {
      if (socket === current) waitingSince = undefined; // an answer: whatever still waits, waits from the next check
    });
  };
  redis.on('connect', watch);
  watch();
  const check = setInterval(() => {
    watch();
    // 'connect': the ready check (INFO) is out; a host that hangs accepts the TCP connection and never answers it.
    if (!socket || (redis.status !== 'ready' && redis.status !== 'connect') || pending() === 0) {
      waitingSince = undefined;
      return;
    }
    const now = Date.now();
    waitingSince ??= now;
    if (now - waitingSince >= timeoutMs) {
      waitingSince = undefined;
      socket.destroy(new Error(`no answer from Redis in ${timeoutMs} ms: the connection is taken for dead`));
    }
  }, Math.max(100, Math.floor(timeoutMs / 10)));
  check.unref();
  redis.once('end', () => clearInterval(check));
}
