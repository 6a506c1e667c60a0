import type { CircuitBreakerPolicy } from '../config/types.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

/**
 * One per destination in each worker process. After `failureThreshold` consecutive retryable failures the
 * circuit opens: no calls for `openMs`, then exactly one probe; its success closes the circuit, its failure
 * opens it again. Jobs refused while open go back to the queue without spending an attempt.
 */
export class CircuitBreaker {
  state: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(
    private readonly policy: CircuitBreakerPolicy,
    private readonly now: () => number = Date.now,
    /** Told of every transition (the worker publishes it for admins). */
    private readonly onChange: (state: CircuitState) => void = () => {},
  ) {}

  private moveTo(state: CircuitState): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state);
  }

  admit(): Admission {
    if (this.state === 'closed') return { allowed: true, probe: false };
    const elapsed = this.now() - this.openedAt;
    if (this.state === 'open' && elapsed >= this.policy.openMs) this.moveTo('half-open');
    if (this.state === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryInMs: Math.max(250, this.policy.openMs - elapsed) };
  }

  /** The remote answered (a delivery, or a permanent refusal, which is the message's fault, not the remote's). */
  onAnswered(): void {
    this.moveTo('closed');
    this.consecutiveFailures = 0;
    this.probeInFlight = false;
  }

  /** Only failures that say "the remote is unwell" (5xx, timeouts, refused connections) count. */
  onRetryableFailure(): void {
    this.consecutiveFailures += 1;
    if (this.state === 'half-open' || this.consecutiveFailures >= this.policy.failureThreshold) {
      this.openedAt = this.now();
      this.moveTo('open');
    }
    this.probeInFlight = false;
  }
}
