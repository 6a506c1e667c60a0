import { X509Certificate } from 'node:crypto';
import type { RedisClient } from '../redis/connections.ts';
import type { CertificateBinding, PartnerConfig } from '../config/types.ts';
import { isBound } from '../pipeline/verify-signature.ts';
import type { TrustStore } from '../signatures/trust-store.ts';
import type { VerifiedSigner } from '../signatures/verified-chain-cache.ts';

/** A certificate whose end the operators must see coming, as the expiry gauge reports it. */
export interface WatchedCertificate {
  /** signing: the gateway's own; trust-anchor / intermediate: the trust store; partner: a partner's bound signer. */
  kind: 'signing' | 'trust-anchor' | 'intermediate' | 'partner';
  /** "gateway", "trust-store", or the partner's id. */
  owner: string;
  /** SHA-256, hex without colons. */
  fingerprint: string;
  /** CA and gateway subjects only: a partner's signer may be an official's own certificate, a name is personal data. */
  subject?: string;
  notAfter: Date;
}

const hex = (fingerprint256: string) => fingerprint256.replace(/:/g, '').toLowerCase();
const oneLine = (subject: string) => subject.split('\n').join(', ');

/** The gateway's signing certificate as this process read it at start (what it signs with until restarted). */
export function signingCertificate(pem: string): WatchedCertificate {
  const x509 = new X509Certificate(pem);
  return { kind: 'signing', owner: 'gateway', fingerprint: hex(x509.fingerprint256), subject: oneLine(x509.subject), notAfter: new Date(x509.validTo) };
}

/** Every root and intermediate the trust store holds now (it reloads on SIGHUP). */
export function trustStoreCertificates(store: TrustStore): WatchedCertificate[] {
  const of = (kind: 'trust-anchor' | 'intermediate') => (c: TrustStore['roots'][number]): WatchedCertificate => ({ kind, owner: 'trust-store', fingerprint: hex(c.fingerprint256), subject: oneLine(c.x509.subject), notAfter: c.notAfter });
  return [...store.roots.map(of('trust-anchor')), ...store.intermediates.map(of('intermediate'))];
}

interface SeenSigner {
  fingerprint256: string;
  subject: string;
  notAfter: string;
}

/**
 * A partner's signing certificate is known to the gateway once the partner has used it (bindings name only a
 * fingerprint or a subject). Each one a partner signed with is kept in Redis, written once per process, so every
 * process reports it and a restart forgets nothing. The write is not awaited: the ingest path never waits for it.
 */
export class SeenPartnerSigners {
  private readonly key: string;
  private readonly written = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}:certificates:partner-signers`;
  }

  record(partner: string, signer: VerifiedSigner): void {
    const field = `${partner}|${hex(signer.fingerprint256)}`;
    if (this.written.has(field)) return;
    this.written.add(field);
    const seen: SeenSigner = { fingerprint256: signer.fingerprint256, subject: signer.subject, notAfter: signer.certificate.notAfter.toISOString() };
    void this.redis.hset(this.key, field, JSON.stringify(seen)).catch(() => this.written.delete(field));
  }

  /**
   * The certificates each partner may sign with now, where known: for a fingerprint binding the certificate with
   * that fingerprint; for a subject binding the newest certificate seen with that subject (the one a renewal
   * brought, not the one it replaced). Certificates no binding names any more are left out.
   */
  async watched(partners: Record<string, PartnerConfig>, trustStore?: TrustStore): Promise<WatchedCertificate[]> {
    const seen = new Map<string, SeenSigner[]>();
    for (const [field, json] of Object.entries(await this.redis.hgetall(this.key))) {
      const partner = field.slice(0, field.lastIndexOf('|'));
      seen.set(partner, [...(seen.get(partner) ?? []), JSON.parse(json) as SeenSigner]);
    }
    // A partner's own certificate put in a trust folder is known without a message.
    const stored = trustStore ? [...trustStore.roots, ...trustStore.intermediates].map((c): SeenSigner => ({ fingerprint256: c.fingerprint256, subject: c.x509.subject, notAfter: c.notAfter.toISOString() })) : [];
    const out: WatchedCertificate[] = [];
    for (const [id, partner] of Object.entries(partners)) {
      const known = [...(seen.get(id) ?? []), ...stored];
      const chosen = new Map<string, SeenSigner>();
      for (const binding of partner.certificates) {
        const newest = newestMatching(known, binding);
        if (newest) chosen.set(hex(newest.fingerprint256), newest);
      }
      for (const [fingerprint, signer] of chosen) out.push({ kind: 'partner', owner: id, fingerprint, notAfter: new Date(signer.notAfter) });
    }
    return out;
  }
}

function newestMatching(known: SeenSigner[], binding: CertificateBinding): SeenSigner | undefined {
  const matching = known.filter((k) => isBound({ fingerprint256: k.fingerprint256, subject: k.subject } as VerifiedSigner, [binding]));
  return matching.sort((a, b) => Date.parse(b.notAfter) - Date.parse(a.notAfter))[0];
}
