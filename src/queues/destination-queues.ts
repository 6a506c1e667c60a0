import { Queue, type KeepJobs } from 'bullmq';
import type { RedisClient } from '../redis/connections.ts';

/** One BullMQ queue per destination, so a failing system never clogs another (see lessons-from-peers). */
export const queueNameFor = (destination: string) => `deliver-${destination}`;

/**
 * BullMQ wants a count; ours is a budget of time decided by the worker (retry-policy), so the count stored in the
 * job is only a backstop far beyond any budget (24 h at one attempt a second is 86,400).
 */
export const maxStoredAttempts = 1_000_000;

/** How long and how many delivered (completed) jobs a destination queue keeps: whichever limit is reached first. */
export interface CompletedJobsKept {
  ageMs: number;
  count: number;
}

/**
 * BullMQ's own trimming, applied when a job completes: completed jobs older than the age, and all but the newest
 * `count`, are removed. Without the count a flood (or a year at a busy province) keeps every message of the last
 * `ageMs` in Redis; the message log (archived to disk) keeps the record of what was delivered.
 */
export const keepCompleted = (kept: CompletedJobsKept): KeepJobs => ({ age: Math.ceil(kept.ageMs / 1000), count: kept.count });

export class DestinationQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    destinations: string[],
    connection: RedisClient,
    /** Where a destination's queue keys live (key-space.ts: a hash tag of its own on a Cluster). */
    prefixOf: (destination: string) => string,
    completedJobsKept: CompletedJobsKept,
  ) {
    // Every job of a destination, accepted, published or replayed, takes these unless its add() says otherwise.
    const defaultJobOptions = {
      removeOnComplete: keepCompleted(completedJobsKept),
      removeOnFail: false, // dead letters stay until an operator retries or discards them
    };
    for (const destination of destinations) {
      const queue = new Queue(queueNameFor(destination), { connection, prefix: prefixOf(destination), defaultJobOptions });
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
