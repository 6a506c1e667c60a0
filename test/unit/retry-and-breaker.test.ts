import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/delivery/circuit-breaker.ts';
import { deliveryErrorFromResponse, parseRetryAfter } from '../../src/delivery/delivery-error.ts';
import { retriesExhausted, retryDelayMs } from '../../src/delivery/retry-policy.ts';

const policy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000 };

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
  it('counts the live attempts setting', () => {
    expect(retriesExhausted(policy, 4)).toBe(false);
    expect(retriesExhausted(policy, 5)).toBe(true);
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
