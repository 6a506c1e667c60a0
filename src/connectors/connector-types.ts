import type { DestinationConfig } from '../config/types.ts';
import type { Envelope } from '../messages/envelope.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * The one shape every connector in connectors/<system>/ has. The core sees only this: it never imports a
 * connector by name; the registry loads the folder a destination's config names.
 */
export interface DeliveryRequest {
  envelope: Envelope;
  /** Stable across retries of one message: the receiver applies each effect once. */
  idempotencyKey: string;
  traceId: string;
}

export interface DeliveryReceipt {
  statusCode: number;
}

export interface DeliveryClient {
  /** Resolves on success; throws DeliveryError (retryable or permanent) on failure. */
  deliver(request: DeliveryRequest): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

export interface ConnectorContext {
  destinationName: string;
  destination: DestinationConfig & { baseUrl: string };
  logger: Logger;
  /** Signs an outbound body with the gateway's key: the value of its X-Signature header. */
  signOutbound: (body: Buffer) => string;
}

export interface SimulatorHandle {
  url: string;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  host: string;
  port: number;
  logger: Logger;
  /** The destination's connector options, so the simulator accepts the same credentials. */
  options: Record<string, unknown>;
}

export interface Connector {
  name: string;
  /** Message types this connector can deliver. */
  messageTypes: string[];
  createClient(context: ConnectorContext): DeliveryClient;
  /** A fastify app imitating the remote system, for the sandbox and end-to-end tests. */
  startSimulator(options: SimulatorOptions): Promise<SimulatorHandle>;
}
