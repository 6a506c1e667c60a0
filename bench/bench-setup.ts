import { X509Certificate, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import type { GatewayConfig, Role } from '../src/config/types.ts';
import { projectRoot } from '../src/gateway.ts';
import { hashApiKey } from '../src/pipeline/authenticate-partner.ts';
import { prepareCmsSigner, type PreparedCmsSigner } from '../src/signatures/sign-cms.ts';
import { createTestPki, type TestPki } from '../test/helpers/test-pki.ts';
import type { BareWorkerSettings } from './bench-server.ts';
import { agencyCode } from './messages.ts';

export const portalOptions = { authEndpoint: '/api/auth', integrationEndpoint: '/api/integration', username: 'bench', password: 'bench-password', dstcode: 'BENCH', madonvi: '000.00.00.H22' };
const unusedUrl = 'http://127.0.0.1:9';

/** The bench's partner (key, signer, PKI) and the gateway's own signing identity, written where configs can name them. */
export class BenchSetup {
  readonly pki: TestPki = createTestPki('Benchmark Province Signer');
  readonly apiKey = `bench_${randomBytes(12).toString('hex')}`;
  readonly partnerSigner: PreparedCmsSigner = prepareCmsSigner(this.pki.defaultSigner);
  private readonly signing: { certificate: string; privateKey: string; chain: string[] };

  constructor(private readonly workDir: string) {
    const identity = createTestPki('Benchmark Gateway');
    const file = (name: string, text: string) => {
      writeFileSync(join(workDir, name), text);
      return join(workDir, name);
    };
    this.signing = { certificate: file('gateway.pem', identity.signer.certificatePem), privateKey: file('gateway.key', identity.signer.privateKeyPem), chain: [file('gateway-ca.pem', identity.intermediate.certificatePem)] };
  }

  /** A gateway process's config: the portal at portalUrl (or nowhere, for ingest rows), everything else unused. */
  gatewayConfig(options: { role: Role; redisUrl: string; prefix: string; portalUrl?: string; portal?: Record<string, unknown> }): GatewayConfig {
    return loadConfig({
      rootDir: projectRoot,
      env: {},
      overrides: {
        role: options.role,
        http: { host: '127.0.0.1', port: 0 },
        redis: { url: options.redisUrl, prefix: options.prefix },
        log: { level: 'warn' },
        trust: { directories: [this.pki.trustDir] },
        signing: this.signing,
        // Every remote system needs an address; only the portal is ever called.
        destinations: {
          'national-portal': { baseUrl: options.portalUrl ?? unusedUrl, options: portalOptions, ...options.portal },
          'provincial-system': { baseUrl: unusedUrl },
          vnpost: { baseUrl: unusedUrl, transport: null, options: { trackingPollIntervalMs: 3_600_000 } },
        },
        submissions: { pollIntervalMs: 3_600_000 },
        payments: { providers: { vnpay: { baseUrl: unusedUrl }, paygov: { baseUrl: unusedUrl } } },
        registries: { population: { baseUrl: unusedUrl } },
        partners: {
          bench: {
            name: 'Benchmark partner',
            apiKeyHashes: [hashApiKey(this.apiKey)],
            agencies: [agencyCode],
            certificates: [{ fingerprint256: new X509Certificate(this.pki.signer.certificatePem).fingerprint256 }],
            rateLimit: { max: 1_000_000_000, timeWindowMs: 1000 },
          },
        },
      },
    });
  }

  /** The bare worker's and the portal simulator's config (a gateway config's redis part and the bench's settings). */
  bareConfig(redisUrl: string, prefix: string, settings: Omit<BareWorkerSettings, 'portal'>): object {
    return { redis: { url: redisUrl, prefix }, bench: { ...settings, portal: portalOptions } };
  }
}
