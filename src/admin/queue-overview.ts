import type { Metrics, Queue } from 'bullmq';
import type { CircuitStateBoard } from '../delivery/circuit-state-board.ts';

/** The window of the queue overview's throughput and dead-letter rate. */
export const recentMinutes = 15;

/**
 * Jobs finished in the last `minutes` from BullMQ's metrics. BullMQ writes a minute's data point only when a later
 * event arrives: the minute of meta.prevTS is still in meta (count - prevCount), and data[i] is the minute i+1
 * before it. Minutes older than the window are left out, however long ago the last event was.
 */
export function finishedInLast(metrics: Metrics, minutes: number, now = Date.now()): number {
  const { prevTS, count, prevCount } = metrics.meta;
  if (!prevTS) return Number(count) || 0;
  const age = Math.floor(now / 60_000) - Math.floor(Number(prevTS) / 60_000);
  let total = age < minutes ? Number(count) - Number(prevCount) : 0;
  metrics.data.forEach((value, i) => {
    if (age + 1 + i < minutes) total += Number(value);
  });
  return total;
}

/** The longer windows of the overview: the last hour and the last day (the workers keep a week of minute points). */
const hourMinutes = 60;
const dayMinutes = 24 * 60;

/** One destination at a glance: counts, pause, dead letters and their age, the last minutes, hour and day, each worker's circuit. */
export async function describeDestination(name: string, queue: Queue, circuitBoard: CircuitStateBoard) {
  const [counts, paused, oldestDead, newestDead, completed, failed, circuits] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
    queue.isPaused(),
    queue.getJobs(['failed'], 0, 0, true),
    queue.getJobs(['failed'], 0, 0, false),
    queue.getMetrics('completed', 0, dayMinutes),
    queue.getMetrics('failed', 0, dayMinutes),
    circuitBoard.read(name),
  ]);
  const oldest = oldestDead[0]?.finishedOn;
  const newest = newestDead[0]?.finishedOn;
  const delivered = finishedInLast(completed, recentMinutes);
  const dead = finishedInLast(failed, recentMinutes);
  return {
    destination: name,
    paused,
    counts,
    deadLetters: {
      count: counts.failed ?? 0,
      oldestAgeSeconds: oldest ? Math.round((Date.now() - oldest) / 1000) : null,
      // Changes whenever a message dies, even when as many were retried meanwhile: the live view's cue to reload the list.
      newestAt: newest ? new Date(newest).toISOString() : null,
    },
    lastHour: { finished: finishedInLast(completed, hourMinutes), dead: finishedInLast(failed, hourMinutes) },
    lastDay: { finished: finishedInLast(completed, dayMinutes), dead: finishedInLast(failed, dayMinutes) },
    lastMinutes: {
      minutes: recentMinutes,
      finished: delivered,
      dead,
      perMinute: Math.round(((delivered + dead) / recentMinutes) * 10) / 10,
      deadRate: delivered + dead ? dead / (delivered + dead) : 0,
    },
    circuits,
  };
}
