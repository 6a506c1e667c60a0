import type { CertificateInfo } from './certificate-info.ts';

export interface VerifiedSigner {
  fingerprint256: string;
  /** Subject DN as node prints it, one RDN a line. */
  subject: string;
  serialHex: string;
  certificate: CertificateInfo;
  /** Leaf first, trust anchor last: revocation is checked along it on every use. */
  path: CertificateInfo[];
}

interface Entry {
  signer: VerifiedSigner;
  trustGeneration: number;
  expiresAt: number;
}

/**
 * Signer certificates whose chain was validated, keyed by SHA-256 fingerprint, so a busy partner costs one
 * chain validation per TTL instead of one per request. An entry never outlives its chain's earliest notAfter
 * and is ignored once the trust store has been reloaded. Revocation is not cached here: it is checked on each use.
 */
export class VerifiedChainCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(fingerprint256: string, trustGeneration: number, now: number): VerifiedSigner | undefined {
    const entry = this.entries.get(fingerprint256);
    if (!entry) return undefined;
    if (entry.trustGeneration !== trustGeneration || entry.expiresAt <= now) {
      this.entries.delete(fingerprint256);
      return undefined;
    }
    return entry.signer;
  }

  set(signer: VerifiedSigner, validUntil: Date, trustGeneration: number, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const expiresAt = Math.min(now + this.ttlMs, validUntil.getTime());
    this.entries.set(signer.fingerprint256, { signer, trustGeneration, expiresAt });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
