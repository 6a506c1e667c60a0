/**
 * `npm run simulators`: starts the simulator of every remote system in the config (destinations, payment providers,
 * registries) where the config says the system is (the port of its baseUrl), and a platform simulator (NGSP, LGSP)
 * where a transport names one. Banks call the gateway back at GATEWAY_URL. Used by docker-compose's `simulators`
 * service (config/compose.json); `npm start` starts its own in sandbox mode.
 *
 * SIMULATOR_HOST: the interface to listen on (0.0.0.0). SIMULATOR_GATEWAY_TRUST_DIR: the gateway's trust anchors,
 * so the simulators that would check the gateway's signature do (the sandbox's var/sandbox/trust in compose).
 */
import { loadConfig } from '../src/config/load-config.ts';
import { projectRoot } from '../src/gateway.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startConfiguredSimulators } from '../src/sandbox/configured-simulators.ts';

const config = loadConfig({ rootDir: projectRoot });
const logger = createLogger(config.log.level, undefined, config.log.format);
try {
  const simulators = await startConfiguredSimulators(config, {
    host: process.env.SIMULATOR_HOST ?? '0.0.0.0',
    gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080',
    gatewayTrustDir: process.env.SIMULATOR_GATEWAY_TRUST_DIR || undefined,
    logger,
  });
  for (const [system, url] of Object.entries(simulators.urls)) logger.info({ system, url }, 'simulator listening');
  const stop = async () => {
    await simulators.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
} catch (err) {
  process.stderr.write(`simulators: ${(err as Error).message}\n`);
  process.exit(1);
}
