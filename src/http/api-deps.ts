import type { GatewayConfig } from '../config/types.ts';
import type { SchemaRegistry } from '../pipeline/validate-schema.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';
import type { CmsVerifierDeps } from '../signatures/verify-cms-signature.ts';
import type { RedisClient } from '../redis/connections.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { DossierTimeline } from '../messages/dossier-timeline.ts';
import type { MessageLog } from '../audit/message-log.ts';
import type { MessageLogLookup } from '../audit/message-log-lookup.ts';
import type { PaymentServices } from '../payments/payment-services.ts';
import type { CitizenVerifier } from '../citizens/verify-citizen.ts';
import type { PostalServices } from '../postal/postal-routes.ts';
import type { SubmissionPoller } from '../submissions/submission-poller.ts';
import type { PublishDeps } from '../messages/publish-message.ts';
import type { ReplicaAcks } from '../redis/replica-acks.ts';
import type { SeenPartnerSigners } from '../observability/certificate-expiry.ts';

/** What the API routes are given; built once by the gateway at start-up. */
export interface ApiDeps {
  config: GatewayConfig;
  schemas: SchemaRegistry;
  signatures: CmsVerifierDeps;
  queues: DestinationQueues;
  redis: RedisClient;
  /** Acknowledgements wait for this many replicas (redis.minReplicasAcked); a ticket per request, taken before its writes. */
  replicas: ReplicaAcks;
  metrics: GatewayMetrics;
  timeline: DossierTimeline;
  messageLog: MessageLog;
  /** A message's log records by id, in Redis or in the archive: the status of a message whose job was trimmed. */
  messageLogLookup: MessageLogLookup;
  /** Where messages the gateway produces itself are queued (publishMessage). */
  publish: PublishDeps;
  /** Present when payment providers are configured. */
  payments?: PaymentServices;
  /** Present when a destination's connector is a postal carrier. */
  postal?: PostalServices;
  /** Present when the portal may push online submissions (config submissions.push). */
  submissionPush?: SubmissionPoller;
  /** Partners' signing certificates as they are verified: their expiry is a metric (gateway_certificate_expiry_seconds). */
  partnerSigners?: SeenPartnerSigners;
  /** Present when a "population" registry is configured. */
  citizens?: { verifier: CitizenVerifier; registryName: string };
  /** Re-reads trust anchors and CRL files in this process; returns what is now loaded. */
  reloadTrust: () => { roots: number; intermediates: number; crls: number };
  /** Readiness facts reported by /health/ready. */
  readiness: () => Promise<{ checks: Record<string, boolean>; details: Record<string, unknown> }>;
}
