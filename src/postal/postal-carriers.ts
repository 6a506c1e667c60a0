import type { GatewayConfig } from '../config/types.ts';
import { loadConnector } from '../connectors/connector-registry.ts';
import type { ConnectorContext, Connector } from '../connectors/connector-types.ts';
import type { DestinationConfig } from '../config/types.ts';
import type { PostalCarrier } from './postal-carrier.ts';

/** Every destination whose connector is a postal carrier, built with the context the caller gives it. */
export async function postalCarriers(
  config: GatewayConfig,
  contextOf: (connector: Connector, name: string, destination: DestinationConfig) => ConnectorContext,
): Promise<Map<string, PostalCarrier>> {
  const carriers = new Map<string, PostalCarrier>();
  for (const [name, destination] of Object.entries(config.destinations)) {
    const connector = await loadConnector(destination.connector);
    if (connector.createCarrier) carriers.set(name, connector.createCarrier(contextOf(connector, name, destination)));
  }
  return carriers;
}
