import { randomBytes } from 'node:crypto';
import type { GatewayConfig, Role } from '../src/config/types.ts';
import { prepareCmsSigner, type PreparedCmsSigner } from '../src/signatures/sign-cms.ts';
import { loadTestGatewayConfig, unusedUrl, writeSigningIdentity, type SigningConfig } from '../test/helpers/load-test-gateway.ts';
import { createTestPki, type TestPki } from '../test/helpers/test-pki.ts';
import type { BareWorkerSettings } from './bench-server.ts';
import { agencyCode } from './messages.ts';

export const portalOptions = { authEndpoint: '/api/auth', integrationEndpoint: '/api/integration', username: 'bench', password: 'bench-password', dstcode: 'BENCH', madonvi: '000.00.00.H22' };

/** The bench's partner (key, signer, PKI) and the gateway's own signing identity, written where configs can name them. */
export class BenchSetup {
  readonly pki: TestPki = createTestPki('Benchmark Province Signer');
  readonly apiKey = `bench_${randomBytes(12).toString('hex')}`;
  readonly partnerSigner: PreparedCmsSigner = prepareCmsSigner(this.pki.defaultSigner);
  private readonly signing: SigningConfig;

  constructor(workDir: string) {
    this.signing = writeSigningIdentity(workDir, 'Benchmark Gateway').signing;
  }

  /** A gateway process's config: the portal at portalUrl (or nowhere, for ingest rows), everything else unused. */
  gatewayConfig(options: { role: Role; redisUrl: string; prefix: string; portalUrl?: string; portal?: Record<string, unknown> }): GatewayConfig {
    return loadTestGatewayConfig({
      redis: { url: options.redisUrl, prefix: options.prefix },
      signing: this.signing,
      partner: { id: 'bench', name: 'Benchmark partner', apiKey: this.apiKey, pki: this.pki, agencyCode, rateLimitMax: 1_000_000_000 },
      portal: { url: options.portalUrl ?? unusedUrl, options: portalOptions, settings: options.portal },
      overrides: { role: options.role },
    });
  }

  /** The bare worker's and the portal simulator's config (a gateway config's redis part and the bench's settings). */
  bareConfig(redisUrl: string, prefix: string, settings: Omit<BareWorkerSettings, 'portal'>): object {
    return { redis: { url: redisUrl, prefix }, bench: { ...settings, portal: portalOptions } };
  }
}
