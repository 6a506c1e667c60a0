import { ConfigError } from '../../config/load-config.ts';
import type { PlatformTransportConfig } from '../../config/types.ts';
import { DirectTransport } from './direct-transport.ts';
import { PlatformTransport } from './platform-transport.ts';
import type { Transport } from './transport.ts';

export interface TransportSettings {
  /** Config path of the system, for errors: "/destinations/national-portal". */
  configPath: string;
  systemName: string;
  baseUrl?: string;
  transport?: PlatformTransportConfig;
  /** The calls the connector makes with their direct paths (Connector.operations): each must have a platform service. */
  operations: Record<string, string>;
  connections: number;
  timeoutMs: number;
}

/** Direct when the config names no platform; otherwise through it, once every call the connector makes has a service. */
export function createTransport(settings: TransportSettings): Transport {
  const { transport, configPath } = settings;
  if (!transport) {
    if (!settings.baseUrl) throw new Error(`${configPath} has no baseUrl (the sandbox fills it in when it runs the simulator)`);
    return new DirectTransport(settings.baseUrl, settings.connections);
  }
  const problem = platformTransportProblem(configPath, transport, settings.operations);
  if (problem || !transport.baseUrl) throw new ConfigError([problem ?? `${configPath}/transport has no baseUrl`]);
  return new PlatformTransport({ ...transport, baseUrl: transport.baseUrl }, settings.operations, settings.systemName, settings.connections, settings.timeoutMs);
}

/** What keeps a platform transport from starting, naming the config key: no platform URL, or a call with no service. */
export function platformTransportProblem(configPath: string, transport: PlatformTransportConfig, operations: Record<string, string>): string | undefined {
  if (!transport.baseUrl) return `${configPath}/transport has no baseUrl (the sandbox fills it in when it runs the platform simulator)`;
  const missing = Object.keys(operations).filter((op) => !transport.services[op]);
  if (missing.length) return `${configPath}/transport/services lacks ${missing.map((m) => `"${m}"`).join(', ')}: every call the connector makes needs the platform's path and service code`;
  return undefined;
}
