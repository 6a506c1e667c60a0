import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import type { GatewayConfig } from '../../src/config/types.ts';
import { projectRoot } from '../../src/gateway.ts';
import { hashApiKey } from '../../src/pipeline/authenticate-partner.ts';
import { createTestPki, type TestPki } from './test-pki.ts';

/** Every remote system needs an address; the load tools only ever call the portal. */
export const unusedUrl = 'http://127.0.0.1:9';

export type SigningConfig = GatewayConfig['signing'];

/** A gateway signing identity of its own (certificate, key, chain) written to `dir` as the PEM files a config names. */
export function writeSigningIdentity(dir: string, commonName: string): { signing: SigningConfig; trustDir: string } {
  const identity = createTestPki(commonName);
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const signing = { certificate: file('gateway.pem', identity.signer.certificatePem), privateKey: file('gateway.key', identity.signer.privateKeyPem), chain: [file('gateway-ca.pem', identity.intermediate.certificatePem)] };
  return { signing, trustDir: identity.trustDir };
}

export interface LoadTestGateway {
  redis: Record<string, unknown>;
  signing: SigningConfig;
  /** The one partner, signing with its PKI's signer, for the given agency. */
  partner: { id: string; name: string; apiKey: string; pki: TestPki; agencyCode: string; rateLimitMax: number };
  /** The national portal: where, its login options, and any destination settings (timeouts, retry, concurrency). */
  portal: { url: string; options: Record<string, unknown>; settings?: Record<string, unknown> };
  /** Other overrides (role, pollers' intervals). */
  overrides?: Record<string, unknown>;
}

/** The whole gateway config of the bench's and the chaos run's processes: one partner, the portal, nothing else reachable. */
export function loadTestGatewayConfig(o: LoadTestGateway): GatewayConfig {
  return loadConfig({
    rootDir: projectRoot,
    env: {},
    overrides: {
      http: { host: '127.0.0.1', port: 0 },
      redis: o.redis,
      log: { level: 'warn' },
      trust: { directories: [o.partner.pki.trustDir] },
      signing: o.signing,
      destinations: {
        'national-portal': { baseUrl: o.portal.url, options: o.portal.options, ...o.portal.settings },
        'provincial-system': { baseUrl: unusedUrl },
        vnpost: { baseUrl: unusedUrl, transport: null, options: { trackingPollIntervalMs: 3_600_000 } },
      },
      submissions: { pollIntervalMs: 3_600_000 },
      payments: { providers: { vnpay: { baseUrl: unusedUrl }, paygov: { baseUrl: unusedUrl } } },
      registries: { population: { baseUrl: unusedUrl } },
      partners: {
        [o.partner.id]: {
          name: o.partner.name,
          apiKeyHashes: [hashApiKey(o.partner.apiKey)],
          agencies: [o.partner.agencyCode],
          certificates: [{ fingerprint256: new X509Certificate(o.partner.pki.signer.certificatePem).fingerprint256 }],
          rateLimit: { max: o.partner.rateLimitMax, timeWindowMs: 1000 },
        },
      },
      ...o.overrides,
    },
  });
}

