import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { request } from 'undici';
import type { Logger } from '../logging/logger.ts';
import type { CertificateInfo } from './certificate-info.ts';
import { isCrlIssuedBy, parseCrl, type ParsedCrl } from './crl.ts';
import { SignatureError } from './signature-error.ts';
import type { RevocationChecker } from './resolve-signer.ts';

export interface CrlPolicy {
  /** Folders of .crl/.pem CRL files (e.g. downloaded by the operator for an offline gateway). */
  directories: string[];
  /** Fetch CRLs from the certificates' CRL distribution points (http/https). */
  fetch: boolean;
  fetchTimeoutMs: number;
  /** A CRL due for renewal within this margin is refetched in the background. */
  refreshAheadMs: number;
  /** When no current CRL can be had for a certificate that names one: refuse (default) or accept with a warning. */
  stalePolicy: 'fail-closed' | 'fail-open';
}

interface HeldCrl {
  crl: ParsedCrl;
  source: string;
}

const maxCrlBytes = 20 * 1024 * 1024;

/**
 * Revocation by CRL for every certificate of a validated path, on every verification (cached chains included).
 * CRLs come from files and from distribution points; a fetched CRL is kept until its nextUpdate and refreshed
 * ahead of it. OCSP would be a second RevocationChecker beside this one.
 */
export class CrlRevocationChecker implements RevocationChecker {
  private fromFiles: ParsedCrl[] = [];
  /** Which issuer signed which file CRL: a signature check per pair, not per request. */
  private readonly fileIssuers = new WeakMap<ParsedCrl, Map<string, boolean>>();
  private readonly fetched = new Map<string, HeldCrl>();
  private readonly inFlight = new Map<string, Promise<HeldCrl | undefined>>();

  constructor(
    private readonly policy: CrlPolicy,
    private readonly logger?: Logger,
  ) {
    this.reload();
  }

  reload(): void {
    const crls: ParsedCrl[] = [];
    for (const dir of this.policy.directories) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names.filter((n) => ['.crl', '.pem', '.der'].includes(extname(n).toLowerCase()))) {
        try {
          crls.push(parseCrl(readFileSync(join(dir, name))));
        } catch (err) {
          this.logger?.warn({ file: name, err: (err as Error).message }, 'unreadable CRL file skipped');
        }
      }
    }
    this.fromFiles = crls;
  }

  /** Freshness of what is held, for health output. */
  status(): Array<{ source: string; issuer: string; nextUpdate?: string }> {
    return [
      ...this.fromFiles.map((crl) => ({ source: 'file', issuer: crl.issuerRdns.join(', '), nextUpdate: crl.nextUpdate?.toISOString() })),
      ...[...this.fetched.values()].map((h) => ({ source: h.source, issuer: h.crl.issuerRdns.join(', '), nextUpdate: h.crl.nextUpdate?.toISOString() })),
    ];
  }

  async check(path: CertificateInfo[], at: Date): Promise<void> {
    for (let i = 0; i < path.length - 1; i++) await this.checkOne(path[i]!, path[i + 1]!, at);
  }

  private async checkOne(cert: CertificateInfo, issuer: CertificateInfo, at: Date): Promise<void> {
    const crl = await this.currentCrlFor(cert, issuer, at);
    if (!crl) {
      if (cert.crlUrls.length === 0 && !this.fromFiles.some((c) => this.isFileCrlOf(c, issuer))) return; // no revocation source exists
      if (this.policy.stalePolicy === 'fail-open') {
        this.logger?.warn({ certificate: cert.subjectRdns.join(', ') }, 'no current CRL: accepted (stalePolicy fail-open)');
        return;
      }
      throw new SignatureError('CERT_REVOCATION_UNKNOWN', `no current CRL for "${cert.subjectRdns.join(', ')}": revocation status unknown`);
    }
    if (crl.revokedSerials.has(cert.serialHex)) {
      throw new SignatureError('CERT_REVOKED', `certificate "${cert.subjectRdns.join(', ')}" (serial ${cert.serialHex}) is revoked`);
    }
  }

  private isFileCrlOf(crl: ParsedCrl, issuer: CertificateInfo): boolean {
    let verdicts = this.fileIssuers.get(crl);
    if (!verdicts) this.fileIssuers.set(crl, (verdicts = new Map()));
    let verdict = verdicts.get(issuer.fingerprint256);
    if (verdict === undefined) verdicts.set(issuer.fingerprint256, (verdict = isCrlIssuedBy(crl, issuer)));
    return verdict;
  }

  private async currentCrlFor(cert: CertificateInfo, issuer: CertificateInfo, at: Date): Promise<ParsedCrl | undefined> {
    const isCurrent = (crl: ParsedCrl) => crl.thisUpdate <= new Date(at.getTime() + 60_000) && (!crl.nextUpdate || crl.nextUpdate > at);
    const fromFile = this.fromFiles.filter((c) => this.isFileCrlOf(c, issuer) && isCurrent(c)).sort((a, b) => +b.thisUpdate - +a.thisUpdate)[0];
    if (fromFile) return fromFile;
    if (!this.policy.fetch) return undefined;
    for (const url of cert.crlUrls.filter((u) => /^https?:\/\//.test(u))) {
      let held = this.fetched.get(url);
      if (held && isCurrent(held.crl)) {
        const dueSoon = held.crl.nextUpdate && held.crl.nextUpdate.getTime() - this.policy.refreshAheadMs < at.getTime();
        if (dueSoon) void this.fetch(url, issuer); // refresh ahead, keep serving the current one
        return held.crl;
      }
      held = await this.fetch(url, issuer);
      if (held && isCurrent(held.crl)) return held.crl;
    }
    return undefined;
  }

  /** One download per URL at a time; a CRL that is not signed by the expected issuer is discarded. */
  private fetch(url: string, issuer: CertificateInfo): Promise<HeldCrl | undefined> {
    const running = this.inFlight.get(url);
    if (running) return running;
    const download = (async () => {
      try {
        const res = await request(url, { signal: AbortSignal.timeout(this.policy.fetchTimeoutMs) });
        if (res.statusCode !== 200) {
          await res.body.dump();
          throw new Error(`HTTP ${res.statusCode}`);
        }
        const body = Buffer.from(await res.body.arrayBuffer());
        if (body.length > maxCrlBytes) throw new Error('CRL too large');
        const crl = parseCrl(body);
        if (!isCrlIssuedBy(crl, issuer)) throw new Error('CRL is not signed by the certificate issuer');
        const held = { crl, source: url };
        this.fetched.set(url, held);
        return held;
      } catch (err) {
        this.logger?.warn({ url, err: (err as Error).message }, 'CRL download failed');
        return this.fetched.get(url);
      } finally {
        this.inFlight.delete(url);
      }
    })();
    this.inFlight.set(url, download);
    return download;
  }
}
