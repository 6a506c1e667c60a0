import type { RetryPolicy } from '../config/types.ts';

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) so retries of many messages spread out
 * instead of arriving together, capped at maxDelayMs; a Retry-After from the remote wins when it is longer.
 */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number, retryAfterMs?: number, random = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  const jittered = Math.round(capped / 2 + random() * (capped / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** The live policy decides, not the count stored in the job at enqueue time: policy changes reach queued jobs. */
export function retriesExhausted(policy: RetryPolicy, attemptsMadeIncludingThisOne: number): boolean {
  return attemptsMadeIncludingThisOne >= policy.attempts;
}
