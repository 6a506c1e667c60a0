import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseCertificate, type CertificateInfo } from './certificate-info.ts';

const certificateFileTypes = new Set(['.pem', '.crt', '.cer', '.der']);

/** Splits a file into DER certificates: PEM bundles may hold several, anything else is read as one DER. */
function readCertificates(path: string): Buffer[] {
  const bytes = readFileSync(path);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return [bytes];
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block).raw);
}

/**
 * Government CA roots and intermediates the gateway trusts, read from the configured folders.
 * Self-signed certificates become trust anchors; the rest are intermediates offered to chain building.
 */
export class TrustStore {
  roots: CertificateInfo[] = [];
  intermediates: CertificateInfo[] = [];
  /** Bumped on every reload so caches keyed on the old store can tell they are stale. */
  generation = 0;

  constructor(private readonly directories: string[]) {
    this.reload();
  }

  reload(): void {
    const roots: CertificateInfo[] = [];
    const intermediates: CertificateInfo[] = [];
    for (const dir of this.directories) {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue; // a configured folder that does not exist yet holds no anchors
      }
      for (const name of entries.sort()) {
        const path = join(dir, name);
        if (!certificateFileTypes.has(extname(name).toLowerCase()) || !statSync(path).isFile()) continue;
        for (const der of readCertificates(path)) {
          const cert = parseCertificate(der);
          (cert.isSelfSigned ? roots : intermediates).push(cert);
        }
      }
    }
    this.roots = roots;
    this.intermediates = intermediates;
    this.generation += 1;
  }

  isRoot(fingerprint256: string): boolean {
    return this.roots.some((r) => r.fingerprint256 === fingerprint256);
  }
}
