import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** One BullMQ queue per destination, so a failing system never clogs another (see lessons-from-peers). */
export const queueNameFor = (destination: string) => `deliver-${destination}`;

/** Hard cap on attempts stored in the job; the live retry policy in config decides earlier (worker). */
export const maxStoredAttempts = 1000;

export class DestinationQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    destinations: string[],
    connection: Redis,
    readonly prefix: string,
  ) {
    for (const destination of destinations) {
      this.queues.set(destination, new Queue(queueNameFor(destination), { connection, prefix }));
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
