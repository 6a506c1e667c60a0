import type { PlatformTransportConfig } from '../config/types.ts';
import { loadConnector } from '../connectors/connector-registry.ts';
import type { SimulatorHandle } from '../connectors/connector-types.ts';
import { tokenAuthorizationOf } from '../connectors/transport/platform-transport.ts';
import type { Logger } from '../logging/logger.ts';

/** A remote system as the sandbox sees it: its simulator (or configured URL) is already known. */
export interface SystemBehindPlatform {
  name: string;
  system: { connector: string; baseUrl?: string; transport?: PlatformTransportConfig; options: Record<string, unknown> };
}

/** The folder of the platform simulator under connectors/. */
const platformConnector = 'service-platform';

/** The sandbox's path and code for an operation the config leaves unnamed: readable in /_sim/received. */
export const sandboxService = (platform: string, systemName: string, operation: string) => ({
  path: `/${platform}/${systemName}/${operation}`,
  serviceCode: `SBX-${systemName}-${operation}`.toUpperCase(),
});

/** Systems configured through a platform whose address the config leaves to the sandbox (transport without baseUrl). */
export const wantsSandboxPlatform = (system: SystemBehindPlatform['system']) => Boolean(system.transport && !system.transport.baseUrl);

/**
 * Starts one platform simulator per platform name ("lgsp", "ngsp") that some system goes through without a
 * configured platform URL, and publishes in it a service for every call that system's connector makes (the
 * config's path and code when it names them, the sandbox's otherwise), forwarding to the system's URL. Then fills
 * `transport.baseUrl` and `transport.services` in place, so the gateway's transports find every operation.
 * Returns the simulators started, by their name in the sandbox's list ("platform:lgsp").
 */
export async function startSandboxPlatforms(systems: SystemBehindPlatform[], host: string, logger: Logger): Promise<{ handles: SimulatorHandle[]; simulators: Record<string, string> }> {
  const byPlatform = new Map<string, SystemBehindPlatform[]>();
  for (const entry of systems.filter((s) => wantsSandboxPlatform(s.system))) {
    const platform = entry.system.transport!.platform;
    byPlatform.set(platform, [...(byPlatform.get(platform) ?? []), entry]);
  }
  const connector = await loadConnector(platformConnector);
  const handles: SimulatorHandle[] = [];
  const simulators: Record<string, string> = {};
  for (const [platform, entries] of byPlatform) {
    const clients: Array<{ tokenPath: string; authorization: string }> = [];
    const services: Array<{ path: string; serviceCode: string; upstream: string }> = [];
    for (const { name, system } of entries) {
      const transport = system.transport!;
      if (!system.baseUrl) throw new Error(`sandbox: ${name} has no URL to put behind the ${platform} simulator`);
      const operations = (await loadConnector(system.connector)).operations(system.options);
      const published: PlatformTransportConfig['services'] = {};
      for (const [operation, directPath] of Object.entries(operations)) {
        const service = transport.services[operation] ?? sandboxService(platform, name, operation);
        const clash = services.find((s) => s.path === service.path);
        if (clash) throw new Error(`sandbox: ${name}'s "${operation}" and another service share the ${platform} path ${service.path}`);
        services.push({ ...service, upstream: system.baseUrl + directPath });
        published[operation] = service;
      }
      clients.push({ tokenPath: transport.tokenPath, authorization: tokenAuthorizationOf(transport) });
      transport.services = { ...transport.services, ...published };
    }
    const handle = await connector.startSimulator({ host, port: 0, logger, options: { platform, clients, services } });
    handles.push(handle);
    for (const { system } of entries) system.transport!.baseUrl = handle.url;
    simulators[`platform:${platform}`] = handle.url;
    logger.info({ platform, url: handle.url, systems: entries.map((e) => e.name), services: services.length }, 'sandbox platform simulator started');
  }
  return { handles, simulators };
}
