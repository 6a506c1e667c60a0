/**
 * Starts the simulator of every remote system in the config (destinations, payment providers, registries) on fixed
 * ports (SIMULATOR_BASE_PORT, then +1 …), in config order; banks call the gateway back at GATEWAY_URL. Used by
 * docker-compose; `npm start` starts them itself in sandbox mode.
 */
import { loadConfig } from '../src/config/load-config.ts';
import { loadConnector } from '../src/connectors/connector-registry.ts';
import { projectRoot } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';
import { remoteSystems } from '../src/sandbox/sandbox.ts';

const config = loadConfig({ rootDir: projectRoot });
const logger = createLogger(config.log.level, undefined, config.log.format);
const basePort = Number(process.env.SIMULATOR_BASE_PORT ?? 4010);
let port = basePort;
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';
for (const { name, system, callbackPath } of remoteSystems(config)) {
  const connector = await loadConnector(system.connector);
  const handle = await connector.startSimulator({
    host: process.env.SIMULATOR_HOST ?? '0.0.0.0',
    port: port++,
    logger,
    options: system.options,
    callbackUrl: () => `${gatewayUrl}${callbackPath}`,
  });
  logger.info({ system: name, url: handle.url }, 'simulator listening');
}
