import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** One BullMQ queue per destination, so a failing system never clogs another (see lessons-from-peers). */
export const queueNameFor = (destination: string) => `deliver-${destination}`;

/**
 * BullMQ wants a count; ours is a budget of time decided by the worker (retry-policy), so the count stored in the
 * job is only a backstop far beyond any budget (24 h at one attempt a second is 86,400).
 */
export const maxStoredAttempts = 1_000_000;

export class DestinationQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    destinations: string[],
    connection: Redis,
    readonly prefix: string,
  ) {
    for (const destination of destinations) {
      const queue = new Queue(queueNameFor(destination), { connection, prefix });
      // The shared connection's own listener logs Redis errors; without one here BullMQ prints each to stderr again.
      queue.on('error', () => {});
      this.queues.set(destination, queue);
    }
  }

  get(destination: string): Queue {
    const queue = this.find(destination);
    if (!queue) throw new Error(`no queue for destination "${destination}"`);
    return queue;
  }

  /** For names that come from outside (a request, an old index entry): undefined when unknown. */
  find(destination: string): Queue | undefined {
    return this.queues.get(destination);
  }

  all(): [string, Queue][] {
    return [...this.queues.entries()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
