import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { projectRoot, startGateway, type Gateway } from './gateway.ts';
import { createLogger } from './logging/logger.ts';
import { describeRedis, redisConfigured } from './redis/connections.ts';
import { EmbeddedRedis, RedisServerMissingError } from './redis/embedded-redis.ts';
import { startSandbox, wantsSandbox, writeSandboxInfo, type Sandbox } from './sandbox/sandbox.ts';

/**
 * `npm start`: loads config, starts an embedded redis-server when no Redis is configured (REDIS_URL, /redis/sentinel), the sandbox simulators
 * when destinations have no URL, then the gateway roles. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads trust.
 */
async function main(): Promise<void> {
  let config = loadConfig({ rootDir: projectRoot });
  const logger = createLogger(config.log.level, undefined, config.log.format);
  let embedded: EmbeddedRedis | undefined;
  let sandbox: Sandbox | undefined;
  let gateway: Gateway | undefined;

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await gateway?.close();
    await sandbox?.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  if (!redisConfigured(config.redis)) {
    embedded = new EmbeddedRedis({ ...config.redis.embedded, dir: resolve(projectRoot, config.redis.embedded.dir) });
    config = { ...config, redis: { ...config.redis, url: await embedded.start() } };
    logger.info({ url: embedded.url, appendfsync: config.redis.embedded.appendfsync }, 'embedded redis-server started (AOF on)');
  }
  if (wantsSandbox(config)) {
    sandbox = await startSandbox(config, logger, projectRoot);
    config = sandbox.config;
  }
  gateway = await startGateway(config, logger);
  process.on('SIGHUP', () => {
    gateway?.reloadTrust();
    logger.info({ roots: gateway?.trustStore.roots.length, crls: gateway?.revocation.status().length }, 'trust store and CRLs reloaded');
  });

  if (sandbox) {
    sandbox.info.gatewayUrl = gateway.url;
    if (gateway.url) sandbox.setGatewayUrl(gateway.url);
    writeSandboxInfo(sandbox);
  }
  printBanner(gateway, sandbox, embedded);
}

function printBanner(gateway: Gateway, sandbox?: Sandbox, embedded?: EmbeddedRedis): void {
  const lines = [
    '',
    `  Gateway (${gateway.config.role}) ${gateway.url ? `listening on ${gateway.url}` : 'running'}`,
    `  Redis: ${embedded ? `embedded ${embedded.url}, data in ${gateway.config.redis.embedded.dir}` : describeRedis(gateway.config.redis)}`,
  ];
  if (sandbox) {
    lines.push('  Sandbox simulators:');
    for (const [name, url] of Object.entries(sandbox.info.simulators)) lines.push(`    ${name}: ${url}  (received: ${url}/_sim/received)`);
    lines.push(`  Sandbox partner "${sandbox.info.partnerId}", key and signer in ${sandbox.infoFile}`);
    lines.push(`  Admin API: ${gateway.url}/admin/api/queues  (operator token in ${sandbox.infoFile}, "adminToken")`);
    lines.push('  Send a signed status update:  npm run sample:status');
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err) => {
  if (err instanceof RedisServerMissingError || err instanceof ConfigError) {
    process.stderr.write(`gateway: ${err.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${(err as Error).stack ?? err}\n`);
  }
  process.exit(1);
});
