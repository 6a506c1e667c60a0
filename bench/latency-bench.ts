import { unfinished, type GatewayCluster } from './delivery-bench.ts';
import type { SignedMessage } from './messages.ts';
import type { PortalWatch } from './portal-watch.ts';
import { rssOf, type BenchProcess } from './processes.ts';
import { percentiles, sendSteadily } from './steady-load.ts';

export interface LatencyResult {
  rate: number;
  accepted: number;
  p50: number;
  p99: number;
  /** Requests not accepted, and accepted messages the portal never got within the drain time. */
  errors: number;
  /** Where the time went inside the gateway, from its jobs: accepted → taken by a worker, and taken → done. */
  stages: { queued: { p50: number; p99: number }; working: { p50: number; p99: number } };
}

/** How many of the run's newest jobs are read for the breakdown (a long soak has far more). */
const stageSample = 2000;

/** accepted → taken (processedOn − timestamp) and taken → done (finishedOn − processedOn) of the run's newest jobs. */
async function stagesOf(cluster: GatewayCluster, since: number): Promise<LatencyResult['stages']> {
  const jobs = (await cluster.queue.getJobs(['completed'], 0, stageSample - 1, false)).filter((job) => job && job.timestamp >= since && job.processedOn && job.finishedOn);
  const queued = percentiles(jobs.map((job) => job.processedOn! - job.timestamp));
  const working = percentiles(jobs.map((job) => job.finishedOn! - job.processedOn!));
  return { queued: { p50: queued.p50, p99: queued.p99 }, working: { p50: working.p50, p99: working.p99 } };
}

/** The breakdown as a table note. */
export const stagesNote = (stages: LatencyResult['stages']) =>
  `in the gateway: accepted → taken by a worker p50/p99 ${stages.queued.p50}/${stages.queued.p99} ms, taken → done ${stages.working.p50}/${stages.working.p99} ms`;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Accept → delivered at a steady rate: from the partner's request leaving to the portal applying the update, for
 * every message (the portal is read once at the end, when the queue has nothing left to do).
 */
export async function steadyLatency(cluster: GatewayCluster, portal: PortalWatch, apiKey: string, rate: number, seconds: number, next: () => SignedMessage, drainMs: number): Promise<LatencyResult> {
  await portal.mark();
  const since = Date.now();
  const sent = await sendSteadily(cluster.api.url, apiKey, rate, seconds, next);
  const deadline = Date.now() + drainMs;
  while ((await unfinished(cluster.queue)) > 0 && Date.now() < deadline) await pause(100);
  const { arrivals, refused } = await portal.newProgress();
  const latencies = arrivals.flatMap((a) => {
    const at = sent.sentAt.get(a.portalKey);
    return at === undefined ? [] : [a.receivedAt - at];
  });
  const { p50, p99, count } = percentiles(latencies);
  return { rate: sent.accepted / sent.seconds, accepted: sent.accepted, p50, p99, errors: sent.errors + refused + (sent.accepted - count), stages: await stagesOf(cluster, since) };
}

export interface RateSearch {
  best?: LatencyResult;
  tried: Array<{ rate: number; result: LatencyResult; passed: boolean }>;
}

/**
 * The highest of `rates` at which accept → delivered p99 stays under `limitMs` with nothing lost: each step is
 * pre-signed (signing is not the load generator's bottleneck), run, drained; the search stops at the first failure.
 */
export async function highestSteadyRate(cluster: GatewayCluster, portal: PortalWatch, apiKey: string, rates: number[], seconds: number, limitMs: number): Promise<RateSearch> {
  const tried: RateSearch['tried'] = [];
  let best: LatencyResult | undefined;
  for (const rate of rates) {
    const messages = cluster.updates.presign(Math.max(1, Math.round(rate * seconds)));
    let i = 0;
    const result = await steadyLatency(cluster, portal, apiKey, rate, seconds, () => messages[i++ % messages.length]!, Math.max(30_000, seconds * 3000));
    const passed = result.errors === 0 && result.p99 < limitMs;
    tried.push({ rate, result, passed });
    if (!passed) break;
    best = result;
  }
  return { best, tried };
}

export interface RssSeries {
  name: string;
  samples: number[];
}

/** Samples the resident memory of each process every `everyMs` until stopped. */
export function sampleRss(processes: Array<{ name: string; process: BenchProcess }>, everyMs: number): { stop(): RssSeries[] } {
  const series = processes.map(({ name }) => ({ name, samples: [] as number[] }));
  const timer = setInterval(() => processes.forEach(({ process }, i) => series[i]!.samples.push(rssOf(process.pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return series;
    },
  };
}
