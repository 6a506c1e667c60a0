import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/delivery/circuit-breaker.ts';
import { deliveryErrorFromResponse, parseRetryAfter } from '../../src/delivery/delivery-error.ts';
import { formatDuration, nextAttempt, pastBudget, retryDelayMs } from '../../src/delivery/retry-policy.ts';
import { finishedInLast } from '../../src/admin/queue-overview.ts';

const policy = { maxAgeMs: 60_000, baseDelayMs: 1000, maxDelayMs: 10_000 };

describe('retry policy', () => {
  it('doubles the delay per attempt with jitter between half and all of it, up to the ceiling', () => {
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 3, undefined, () => 0.5)).toBe(3000);
    expect(retryDelayMs(policy, 10, undefined, () => 1)).toBe(10_000);
  });
  it('waits at least as long as Retry-After says', () => {
    expect(retryDelayMs(policy, 1, 60_000, () => 0)).toBe(60_000);
  });
  it('budgets by age: retries until maxAgeMs, however many attempts that takes', () => {
    const accepted = 1_000_000;
    expect(nextAttempt(policy, accepted, 500, accepted + 30_000, undefined, () => 1)).toEqual({ kind: 'retry', delayMs: 10_000, at: accepted + 40_000 });
    expect(nextAttempt(policy, accepted, 2, accepted + 60_000)).toEqual({ kind: 'exhausted', ageMs: 60_000 });
    expect(pastBudget(policy, accepted, accepted + 59_999)).toBe(false);
    expect(pastBudget(policy, accepted, accepted + 60_000)).toBe(true);
  });
  it('places the last retry at the deadline rather than past it', () => {
    const accepted = 1_000_000;
    expect(nextAttempt(policy, accepted, 9, accepted + 55_000, undefined, () => 1)).toEqual({ kind: 'retry', delayMs: 5000, at: accepted + 60_000 });
    // A Retry-After longer than what is left still ends at the deadline: one last try, then dead.
    expect(nextAttempt(policy, accepted, 1, accepted + 59_000, 120_000)).toEqual({ kind: 'retry', delayMs: 1000, at: accepted + 60_000 });
  });
  it('says budgets the way an operator reads them', () => {
    expect([1500, 90_000, 86_400_000].map(formatDuration)).toEqual(['1.5 s', '1.5 min', '24 h']);
  });
  it('classifies statuses: 408/425/429/5xx retry, other 4xx are permanent', () => {
    const retryable = (s: number) => deliveryErrorFromResponse('d', s, {}, '').retryable;
    expect([408, 425, 429, 500, 502, 503, 504].map(retryable)).toEqual([true, true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 422].map(retryable)).toEqual([false, false, false, false, false, false]);
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(28_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, refuses while open, lets one probe through, and closes on its success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 1000 }, () => now);
    breaker.onRetryableFailure();
    expect(breaker.admit()).toEqual({ allowed: true, probe: false });
    breaker.onRetryableFailure();
    expect(breaker.state).toBe('open');
    now = 400;
    expect(breaker.admit()).toEqual({ allowed: false, retryInMs: 600 });
    now = 1000;
    expect(breaker.admit()).toEqual({ allowed: true, probe: true });
    expect(breaker.admit().allowed).toBe(false); // only one probe at a time
    breaker.onAnswered();
    expect(breaker.state).toBe('closed');
  });
  it('announces each transition', () => {
    let now = 0;
    const seen: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000 }, () => now, (state) => seen.push(state));
    breaker.onRetryableFailure();
    now = 1000;
    breaker.admit();
    breaker.onAnswered();
    breaker.onAnswered();
    expect(seen).toEqual(['open', 'half-open', 'closed']);
  });
  it('reopens when the probe fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000 }, () => now);
    breaker.onRetryableFailure();
    now = 1500;
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: true });
    breaker.onRetryableFailure();
    expect(breaker.state).toBe('open');
    now = 1600;
    expect(breaker.admit().allowed).toBe(false);
  });
});

describe('recent throughput from BullMQ metrics', () => {
  const minute = 60_000;
  const now = 100 * minute + 30_000;
  it('counts the pending minute and the stored minutes inside the window only', () => {
    // Last event 2 minutes ago: 4 jobs in that minute so far; stored minutes before it: 5, 7, then 100 long ago.
    const metrics = { meta: { count: 116, prevCount: 112, prevTS: 98 * minute + 10_000 }, data: [5, 7, ...Array(20).fill(0), 100], count: 116 };
    expect(finishedInLast(metrics, 15, now)).toBe(4 + 5 + 7);
    expect(finishedInLast(metrics, 3, now)).toBe(4);
    expect(finishedInLast(metrics, 2, now)).toBe(0);
  });
  it('ignores everything when the last event is older than the window', () => {
    expect(finishedInLast({ meta: { count: 9, prevCount: 0, prevTS: 10 * minute }, data: [], count: 9 }, 15, now)).toBe(0);
  });
});
