import type { RetryPolicy } from '../config/types.ts';

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) so retries of many messages spread out
 * instead of arriving together, capped at maxDelayMs; a Retry-After from the remote wins when it is longer.
 */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number, retryAfterMs?: number, random = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.min(30, Math.max(0, attemptsMade - 1));
  const capped = Math.min(policy.maxDelayMs, exponential);
  const jittered = Math.round(capped / 2 + random() * (capped / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

export type NextAttempt = { kind: 'retry'; delayMs: number; at: number } | { kind: 'exhausted'; ageMs: number };

/**
 * The budget of a message is time, not a count: a province's portal being down for a night must not dead-letter
 * the three updates sent meanwhile. A message is retried until its age passes `maxAgeMs`; the last retry is
 * placed at the deadline rather than past it, so a message gets one more chance at the end of its budget.
 */
export function nextAttempt(policy: RetryPolicy, budgetFromMs: number, attemptsMade: number, now: number, retryAfterMs?: number, random = Math.random): NextAttempt {
  const deadline = budgetFromMs + policy.maxAgeMs;
  if (now >= deadline) return { kind: 'exhausted', ageMs: now - budgetFromMs };
  const at = Math.min(now + retryDelayMs(policy, attemptsMade, retryAfterMs, random), deadline);
  return { kind: 'retry', delayMs: at - now, at };
}

/** Past its budget: a message refused by an open circuit dies by age too, not only one that was tried. */
export function pastBudget(policy: RetryPolicy, budgetFromMs: number, now: number): boolean {
  return now >= budgetFromMs + policy.maxAgeMs;
}

/** Where the budget starts: acceptance, or the operator's retry of a dead letter (which gives a fresh budget). */
export function budgetFrom(envelope: { receivedAt: string; retriedAt?: string }): number {
  return Date.parse(envelope.retriedAt ?? envelope.receivedAt);
}

/** "1.5 s", "30 min", "24 h": budgets in dead-letter reasons, readable by an operator. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
