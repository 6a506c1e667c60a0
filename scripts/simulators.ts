/**
 * Starts the simulator of every configured destination's connector on fixed ports (SIMULATOR_BASE_PORT,
 * then +1 …), in config order. Used by docker-compose; `npm start` starts them itself in sandbox mode.
 */
import { loadConfig } from '../src/config/load-config.ts';
import { loadConnector } from '../src/connectors/connector-registry.ts';
import { projectRoot } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';

const config = loadConfig({ rootDir: projectRoot });
const logger = createLogger(config.log.level);
const basePort = Number(process.env.SIMULATOR_BASE_PORT ?? 4010);
let port = basePort;
for (const [name, destination] of Object.entries(config.destinations)) {
  const connector = await loadConnector(destination.connector);
  const handle = await connector.startSimulator({ host: process.env.SIMULATOR_HOST ?? '0.0.0.0', port: port++, logger, options: destination.options });
  logger.info({ destination: name, url: handle.url }, 'simulator listening');
}
