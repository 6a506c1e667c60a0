import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RedisClient } from '../redis/connections.ts';
import type { GatewayConfig } from '../config/types.ts';
import { PollHealth } from '../polling/poll-health.ts';
import type { CrlRevocationChecker } from '../signatures/crl-revocation.ts';
import type { TrustStore } from '../signatures/trust-store.ts';
import { SeenPartnerSigners, signingCertificate, trustStoreCertificates } from './certificate-expiry.ts';
import type { GatewayMetrics } from './metrics.ts';

/**
 * Points the poll-lag, certificate-expiry and CRL gauges at what they read when scraped. Returns the record of
 * partners' signers, which the API feeds as it verifies them.
 */
export function watchFeedsAndCertificates(
  metrics: GatewayMetrics,
  parts: { redis: RedisClient; config: GatewayConfig; trustStore: TrustStore; revocation: CrlRevocationChecker; rootDir: string },
): SeenPartnerSigners {
  const { redis, config, trustStore, revocation } = parts;
  const polls = new PollHealth(redis, config.redis.prefix);
  metrics.watchPolls(() => polls.lastSuccesses());
  const partnerSigners = new SeenPartnerSigners(redis, config.redis.prefix);
  // Read once, like the signer: a renewed file is what this process signs with only after a restart.
  const signing = config.signing ? [signingCertificate(readFileSync(resolve(parts.rootDir, config.signing.certificate), 'utf8'))] : [];
  metrics.watchCertificates(async () => [...signing, ...trustStoreCertificates(trustStore), ...(await partnerSigners.watched(config.partners, trustStore))]);
  metrics.watchCrls(() => revocation.status());
  return partnerSigners;
}
