import type { DestinationConfig, ExternalServiceConfig } from '../config/types.ts';
import type { Envelope } from '../messages/envelope.ts';
import type { Logger } from '../logging/logger.ts';
import type { PaymentProvider } from '../payments/payment-provider.ts';
import type { CitizenRegistry } from '../citizens/citizen-registry.ts';
import type { PostalCarrier } from '../postal/postal-carrier.ts';
import type { SubmissionSource } from '../submissions/submission-types.ts';
import type { ConnectorState } from './connector-state.ts';
import type { Transport } from './transport/transport.ts';

/**
 * The one shape every connector in connectors/<system>/ has. The core sees only this: it never imports a
 * connector by name; the registry loads the folder a destination's config names.
 */
export interface DeliveryRequest {
  envelope: Envelope;
  /** Stable across retries of one message: the receiver applies each effect once. */
  idempotencyKey: string;
  /** Sent on as X-Trace-Id and a W3C traceparent (observability/trace-context.ts: traceHeaders). */
  traceId: string;
  /** The message's logger (messageId, dossierCode, partner, destination, traceId): what a connector logs while delivering goes here. */
  log: Logger;
  /** What the client's prepare() returned for this message, when it has one. */
  prepared?: Promise<unknown>;
  /**
   * Aborted once the dossier's claim may no longer outlast a call started now (Redis unreachable for a lock period):
   * every call that could change the receiver goes with it (TransportCall.notAfter), so none starts from then on.
   */
  claimFresh?: AbortSignal;
}

/** An event a delivery produced (a carrier's tracking number for a new shipment): queued on to its route. */
export interface ProducedEvent {
  type: string;
  /** Names the event uniquely: publishing it twice (a retried delivery) adds nothing. */
  name: string;
  orderingKey: string;
  orderingTime: number;
  payload: Record<string, unknown>;
}

export interface DeliveryReceipt {
  statusCode: number;
  events?: ProducedEvent[];
  /**
   * The connector's own records of what the receiver did (ConnectorState writes), sent after its answer and not yet
   * confirmed. The worker writes its attempt line behind them on the same connection and confirms both together:
   * one round trip instead of two, and the job is not complete until they are (a failed write retries the message).
   */
  recorded?: Promise<void>;
}

export interface DeliveryClient {
  /**
   * Optional: starts the reads a delivery of this message needs (the connector's own records), sent right behind the
   * dossier's claim so both share one round trip; given back to deliver() as `request.prepared`. Called for every job
   * taken, before its claim is answered: a message that is then not sent (dossier busy, superseded) just drops it.
   * Only reads: nothing may change before the claim.
   */
  prepare?(envelope: Envelope): Promise<unknown>;
  /** Resolves on success; throws DeliveryError (retryable or permanent) on failure. */
  deliver(request: DeliveryRequest): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

export interface ConnectorContext {
  destinationName: string;
  destination: DestinationConfig;
  logger: Logger;
  /** Signs an outbound body with the gateway's key: the value of its X-Signature header. */
  signOutbound: (body: Buffer) => string;
  /** How calls reach the system: directly or through the province's LGSP / the NGSP. */
  transport: Transport;
  /** Durable records the connector keeps about its system (what the portal already has), shared by every worker. */
  state: ConnectorState;
}

export interface SimulatorHandle {
  url: string;
  /** A simulator that signs what it sends (a bank's callbacks) publishes its CA and signer, for the sandbox to trust. */
  publishes?: { trustAnchorPem: string; signerFingerprint256: string };
  close(): Promise<void>;
}

export interface SimulatorOptions {
  host: string;
  port: number;
  logger: Logger;
  /** The destination's connector options, so the simulator accepts the same credentials. */
  options: Record<string, unknown>;
  /** Where a simulated system calls the gateway back (bank IPNs, tracking events); known once the gateway listens. */
  callbackUrl?: () => string;
}

/** What a connector that the gateway calls synchronously (a payment provider, a registry) is given. */
export interface ServiceContext {
  /** The service's name in config (e.g. "vnpay", "population"). */
  serviceName: string;
  service: ExternalServiceConfig;
  logger: Logger;
  /** How calls reach the system: directly or through the province's LGSP / the NGSP. */
  transport: Transport;
  signOutbound: (body: Buffer) => string;
  /**
   * Verifies a CMS signature the remote system made over `body`, through the gateway's trust store, bound to the
   * certificates configured for this service. Throws a SignatureError when it is not genuine.
   */
  verifyRemoteSignature: (signature: string | undefined, body: Buffer) => Promise<{ subject: string }>;
  /** Where the remote system must call the gateway back (payments), when it takes that in its requests. */
  callbackUrl: () => string;
}

/**
 * The one shape of connectors/<system>/index.ts. A connector offers the ports its system has: delivery of queued
 * messages (createClient), payments (createPaymentProvider), registry lookups (createRegistry). The core never
 * imports one by name; the registry loads the folder the config names.
 */
export interface Connector {
  name: string;
  /** Message types this connector can deliver (with createClient). */
  messageTypes: string[];
  /**
   * The calls this connector makes, by name, with the path each takes when the system is called directly. Through
   * a platform each needs a service (checked at start-up); the sandbox's platform simulator forwards them so.
   */
  operations(options: Record<string, unknown>): Record<string, string>;
  createClient?(context: ConnectorContext): DeliveryClient;
  createPaymentProvider?(context: ServiceContext): PaymentProvider;
  createRegistry?(context: ServiceContext): CitizenRegistry;
  /** A feed the gateway polls (the national portal's online submissions). */
  createSubmissionSource?(context: ConnectorContext): SubmissionSource;
  /** A postal carrier: creates orders (the core delivers shipment requests through it), its tracking feed, cancels. */
  createCarrier?(context: ConnectorContext): PostalCarrier;
  /** A fastify app imitating the remote system, for the sandbox and end-to-end tests. */
  startSimulator(options: SimulatorOptions): Promise<SimulatorHandle>;
}
