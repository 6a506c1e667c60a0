import type { RegistryConfig } from '../config/types.ts';
import { CircuitBreaker } from '../delivery/circuit-breaker.ts';
import { Bulkhead, BulkheadFull } from './bulkhead.ts';
import { RegistryError, type CitizenQuery, type CitizenRegistry, type LookupPurpose } from './citizen-registry.ts';
import { compareCitizen, type Mismatch } from './compare-citizen.ts';

export interface Verification {
  /** The registry has a record for the ID. */
  found: boolean;
  match: boolean;
  mismatchedFields: Array<Mismatch | { field: 'personalId'; reason: 'not found in the registry' }>;
}

/** Why no verdict could be given: the caller answers 503/504 with a retry hint, never a guess. */
export class VerificationUnavailable extends Error {
  constructor(
    readonly kind: 'circuit-open' | 'busy' | 'unavailable' | 'timeout',
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'VerificationUnavailable';
  }
}

/**
 * One registry behind its protections, in order: circuit breaker (a registry that keeps failing is not called
 * for openMs; callers get an instant 503) → bulkhead (bounded calls in flight) → the connector's own timeout.
 * Then the documented comparison rules (compare-citizen.ts).
 */
export class CitizenVerifier {
  readonly breaker: CircuitBreaker;
  private readonly bulkhead: Bulkhead;

  constructor(
    private readonly registry: CitizenRegistry,
    config: RegistryConfig,
    onCircuitChange?: (state: CircuitBreaker['state']) => void,
  ) {
    this.breaker = new CircuitBreaker(config.circuitBreaker, Date.now, onCircuitChange);
    this.bulkhead = new Bulkhead(config.maxConcurrent, config.queueTimeoutMs);
  }

  async verify(query: CitizenQuery, purpose: LookupPurpose): Promise<Verification> {
    const admission = this.breaker.admit();
    if (!admission.allowed) {
      throw new VerificationUnavailable('circuit-open', 'the population registry is failing; calls are paused', Math.ceil(admission.retryInMs / 1000));
    }
    let record;
    try {
      record = await this.bulkhead.run(() => this.registry.lookup(query, purpose));
      this.breaker.onAnswered();
    } catch (err) {
      if (err instanceof BulkheadFull) {
        // Not the registry's fault. (A probe cannot meet a full bulkhead: while the circuit was open nothing was in flight.)
        this.breaker.onAnswered();
        throw new VerificationUnavailable('busy', `too many lookups in flight (${err.maxConcurrent})`, 1);
      }
      this.breaker.onRetryableFailure();
      if (err instanceof RegistryError) throw new VerificationUnavailable(err.kind, err.message, 5);
      throw new VerificationUnavailable('unavailable', `registry lookup failed: ${(err as Error).message}`, 5);
    }
    if (!record) return { found: false, match: false, mismatchedFields: [{ field: 'personalId', reason: 'not found in the registry' }] };
    return { found: true, ...compareCitizen(query, record) };
  }
}
