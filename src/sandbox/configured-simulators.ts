import type { GatewayConfig, PlatformTransportConfig } from '../config/types.ts';
import { loadConnector } from '../connectors/connector-registry.ts';
import type { SimulatorHandle } from '../connectors/connector-types.ts';
import { tokenAuthorizationOf } from '../connectors/transport/platform-transport.ts';
import type { Logger } from '../logging/logger.ts';
import { remoteSystems } from './sandbox.ts';

/** One simulator to start: where the config says a system (or a platform in front of systems) is. */
export interface SimulatorPlan {
  /** The system's name in config ("vnpay"), or "platform:<name>" for a platform. */
  name: string;
  connector: string;
  /** The host name the gateway uses for it (in docker-compose, a network alias of the simulators service). */
  host: string;
  port: number;
  /** The config key its address comes from, for error messages. */
  configPath: string;
}

function portOf(url: string, configPath: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (!parsed.port) throw new Error(`${configPath} (${url}) must name a port: each simulator listens where the config says its system is`);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

const configPathOf = (kind: 'destination' | 'provider' | 'registry', name: string) =>
  kind === 'destination' ? `/destinations/${name}` : kind === 'provider' ? `/payments/providers/${name}` : `/registries/${name}`;

/** The systems of a config with the kind of entry each is, in config order. */
function systemsOf(config: GatewayConfig) {
  const kinds = new Map<string, 'destination' | 'provider' | 'registry'>([
    ...Object.keys(config.destinations).map((n) => [n, 'destination'] as const),
    ...Object.keys(config.payments.providers).map((n) => [n, 'provider'] as const),
    ...Object.keys(config.registries).map((n) => [n, 'registry'] as const),
  ]);
  return remoteSystems(config).map((r) => ({ ...r, configPath: configPathOf(kinds.get(r.name)!, r.name) }));
}

/**
 * Where each simulator listens: every system at its own baseUrl's port (so a system is reached by its name and its
 * port, never by the order systems happen to be listed in), and one platform simulator per platform address that
 * a transport names. Two simulators on one port is a config error.
 */
export function simulatorPlan(config: GatewayConfig): SimulatorPlan[] {
  const plan: SimulatorPlan[] = [];
  for (const { name, system, configPath } of systemsOf(config)) {
    if (!system.baseUrl) throw new Error(`${configPath}/baseUrl is required: the simulators script starts each system where the config says it is`);
    plan.push({ name, connector: system.connector, ...portOf(system.baseUrl, `${configPath}/baseUrl`), configPath: `${configPath}/baseUrl` });
    const platformUrl = system.transport?.baseUrl;
    if (platformUrl && !plan.some((p) => p.name === `platform:${system.transport!.platform}`)) {
      plan.push({ name: `platform:${system.transport!.platform}`, connector: 'service-platform', ...portOf(platformUrl, `${configPath}/transport/baseUrl`), configPath: `${configPath}/transport/baseUrl` });
    }
  }
  const byPort = new Map<number, SimulatorPlan>();
  for (const entry of plan) {
    const other = byPort.get(entry.port);
    if (other) throw new Error(`${entry.configPath} and ${other.configPath} share port ${entry.port}: each simulator needs its own`);
    byPort.set(entry.port, entry);
  }
  return plan;
}

export interface ConfiguredSimulators {
  /** Name → the URL it listens on (on its own host). */
  urls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts what simulatorPlan says, on `host` (0.0.0.0 in a container): the systems first, then each platform with
 * the services its systems' transports name, forwarding to those systems on loopback (they run in this process's
 * container). Banks call the gateway back at `gatewayUrl`. A simulator that checks the gateway's signature reads the
 * trust anchors in `gatewayTrustDir` when given.
 */
export async function startConfiguredSimulators(config: GatewayConfig, deps: { host: string; gatewayUrl: string; logger: Logger; gatewayTrustDir?: string }): Promise<ConfiguredSimulators> {
  const plan = simulatorPlan(config);
  const handles: SimulatorHandle[] = [];
  const urls: Record<string, string> = {};
  const close = async () => void (await Promise.all(handles.map((h) => h.close())));
  try {
    const systems = systemsOf(config);
    for (const { name, system, callbackPath } of systems) {
      const { port } = plan.find((p) => p.name === name)!;
      const connector = await loadConnector(system.connector);
      const options = deps.gatewayTrustDir ? { ...system.options, gatewayTrustDir: deps.gatewayTrustDir } : system.options;
      const handle = await connector.startSimulator({ host: deps.host, port, logger: deps.logger, options, callbackUrl: () => `${deps.gatewayUrl}${callbackPath}` });
      handles.push(handle);
      urls[name] = handle.url;
    }
    const platformConnector = await loadConnector('service-platform');
    for (const entry of plan.filter((p) => p.connector === 'service-platform')) {
      const platform = entry.name.slice('platform:'.length);
      const behind = systems.filter((s) => s.system.transport?.platform === platform && s.system.transport.baseUrl);
      const clients: Array<{ tokenPath: string; authorization: string }> = [];
      const services: Array<{ path: string; serviceCode: string; upstream: string }> = [];
      for (const { name, system, configPath } of behind) {
        const transport = system.transport as PlatformTransportConfig;
        const operations = (await loadConnector(system.connector)).operations(system.options);
        const upstreamBase = `http://127.0.0.1:${plan.find((p) => p.name === name)!.port}`;
        for (const [operation, directPath] of Object.entries(operations)) {
          const service = transport.services[operation];
          if (!service) throw new Error(`${configPath}/transport/services lacks "${operation}": the platform simulator publishes what the config names`);
          services.push({ ...service, upstream: upstreamBase + directPath });
        }
        clients.push({ tokenPath: transport.tokenPath, authorization: tokenAuthorizationOf(transport) });
      }
      const handle = await platformConnector.startSimulator({ host: deps.host, port: entry.port, logger: deps.logger, options: { platform, clients, services } });
      handles.push(handle);
      urls[entry.name] = handle.url;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { urls, close };
}
