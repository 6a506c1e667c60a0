import type { GatewayConfig } from '../../config/types.ts';
import { loadConnector } from '../connector-registry.ts';
import { platformTransportProblem } from './create-transport.ts';

/**
 * Every system configured through a platform, checked against the calls its connector makes, before the gateway
 * opens anything: a missing service is a config error naming its key, not a failure of the first delivery.
 */
export async function platformTransportProblems(config: GatewayConfig): Promise<string[]> {
  const systems = [
    ...Object.entries(config.destinations).map(([n, s]) => [`/destinations/${n}`, s] as const),
    ...Object.entries(config.payments.providers).map(([n, s]) => [`/payments/providers/${n}`, s] as const),
    ...Object.entries(config.registries).map(([n, s]) => [`/registries/${n}`, s] as const),
  ];
  const problems: string[] = [];
  for (const [path, system] of systems) {
    if (!system.transport) continue;
    const connector = await loadConnector(system.connector);
    const problem = platformTransportProblem(path, system.transport, connector.operations(system.options));
    if (problem) problems.push(problem);
  }
  return problems;
}
