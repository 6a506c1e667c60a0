import type { RedisClient } from '../redis/connections.ts';
import type { DestinationConfig, ExternalServiceConfig } from '../config/types.ts';
import type { Logger } from '../logging/logger.ts';
import { RedisConnectorState } from './connector-state.ts';
import type { Connector, ConnectorContext } from './connector-types.ts';
import { createTransport } from './transport/create-transport.ts';
import type { Transport } from './transport/transport.ts';

/** The transport of one configured system, checked against the calls its connector makes. */
export function transportFor(connector: Connector, configPath: string, systemName: string, system: DestinationConfig | ExternalServiceConfig, connections: number): Transport {
  return createTransport({
    configPath,
    systemName,
    baseUrl: system.baseUrl,
    transport: system.transport,
    operations: connector.operations(system.options),
    connections,
    timeoutMs: system.timeoutMs,
  });
}

export interface DestinationContextDeps {
  logger: Logger;
  signOutbound: (body: Buffer) => string;
  redis: RedisClient;
  prefix: string;
}

/** What a destination's connector is given: its config, a transport to its system, signing and its state. */
export function destinationContext(connector: Connector, name: string, destination: DestinationConfig, deps: DestinationContextDeps): ConnectorContext {
  return {
    destinationName: name,
    destination,
    logger: deps.logger,
    signOutbound: deps.signOutbound,
    transport: transportFor(connector, `/destinations/${name}`, name, destination, destination.concurrency * 2),
    state: new RedisConnectorState(deps.redis, `${deps.prefix}:connector:${name}`),
  };
}
