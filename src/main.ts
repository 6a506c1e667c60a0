import { resolve } from 'node:path';
import { configuredFileProblems } from './config/check-files.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { projectRoot, startGateway, type Gateway } from './gateway.ts';
import { createLogger } from './logging/logger.ts';
import { describeRedis, redisConfigured } from './redis/connections.ts';
import { EmbeddedRedis, EmbeddedRedisFailedError, RedisServerMissingError } from './redis/embedded-redis.ts';
import { keepEmbeddedRedisUp } from './redis/embedded-redis-keeper.ts';
import { RedisUnreachableError } from './redis/wait-for-redis.ts';
import { startSandbox, wantsSandbox, writeSandboxInfo, type Sandbox } from './sandbox/sandbox.ts';

/**
 * `npm start`: loads config, starts an embedded redis-server when no Redis is configured (REDIS_URL, /redis/sentinel, /redis/cluster) and restarts it if it dies, the sandbox simulators
 * when destinations have no URL, then the gateway roles. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads trust.
 * A start that fails stops whatever it had started (no redis-server child is left behind) and says why in one line;
 * var/sandbox/sandbox.json is written only once the gateway listens, so it never names a port nothing answers on.
 */
async function main(): Promise<void> {
  let config = loadConfig({ rootDir: projectRoot });
  const logger = createLogger(config.log.level, undefined, config.log.format);
  let embedded: EmbeddedRedis | undefined;
  let embeddedKeeper: { stop: () => void } | undefined;
  let sandbox: Sandbox | undefined;
  let gateway: Gateway | undefined;

  const stopEverything = async () => {
    await gateway?.close();
    await sandbox?.close();
    embeddedKeeper?.stop();
    await embedded?.stop();
  };
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await stopEverything();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  // Before anything starts: a file the config names that is missing is a ConfigError naming its key (startGateway
  // checks again, once the sandbox has added its own).
  const fileProblems = configuredFileProblems(config, projectRoot);
  if (fileProblems.length) throw new ConfigError(fileProblems);
  try {
    if (!redisConfigured(config.redis)) {
      embedded = new EmbeddedRedis({ ...config.redis.embedded, dir: resolve(projectRoot, config.redis.embedded.dir) });
      config = { ...config, redis: { ...config.redis, url: await embedded.start() } };
      logger.info({ url: embedded.url, appendfsync: config.redis.embedded.appendfsync }, 'embedded redis-server started (AOF on)');
      embeddedKeeper = keepEmbeddedRedisUp(embedded, logger);
    }
    if (wantsSandbox(config)) {
      sandbox = await startSandbox(config, logger, projectRoot);
      config = sandbox.config;
    }
    gateway = await startGateway(config, logger);
  } catch (err) {
    await stopEverything().catch(() => undefined);
    throw err;
  }
  process.on('SIGHUP', () => {
    gateway?.reloadTrust();
    logger.info({ roots: gateway?.trustStore.roots.length, crls: gateway?.revocation.status().length }, 'trust store and CRLs reloaded');
  });

  // Only a process that serves the API says where it is: a worker sharing the sandbox folder (docker-compose) must
  // not point the samples and gatewayctl at its own health listener.
  if (sandbox && config.role !== 'worker') {
    sandbox.info.gatewayUrl = gateway.url;
    sandbox.info.adminUrl = gateway.opsUrl ?? gateway.url;
    if (gateway.url) sandbox.setGatewayUrl(gateway.url);
    writeSandboxInfo(sandbox);
  }
  printBanner(gateway, sandbox, embedded);
}

function printBanner(gateway: Gateway, sandbox?: Sandbox, embedded?: EmbeddedRedis): void {
  const lines = [
    '',
    `  Gateway (${gateway.config.role}) ${gateway.url ? `listening on ${gateway.url}` : 'running'}${gateway.opsUrl && gateway.opsUrl !== gateway.url ? `, operators and metrics on ${gateway.opsUrl}` : ''}`,
    `  Redis: ${embedded ? `embedded ${embedded.url}, data in ${gateway.config.redis.embedded.dir}` : describeRedis(gateway.config.redis)}`,
  ];
  if (sandbox) {
    lines.push('  Sandbox simulators:');
    for (const [name, url] of Object.entries(sandbox.info.simulators)) lines.push(`    ${name}: ${url}  (received: ${url}/_sim/received)`);
    lines.push(`  Sandbox partner "${sandbox.info.partnerId}", key and signer in ${sandbox.infoFile}`);
    lines.push(`  Admin API: ${gateway.opsUrl ?? gateway.url}/admin/api/queues  (operator token in ${sandbox.infoFile}, "adminToken")`);
    lines.push('  Send a signed status update:  npm run sample:status');
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err) => {
  // What an operator can fix is said in one line (a ConfigError: one line per key); anything else is a bug: its stack.
  if (err instanceof RedisServerMissingError || err instanceof ConfigError || err instanceof RedisUnreachableError || err instanceof EmbeddedRedisFailedError) {
    process.stderr.write(`gateway: ${err.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${(err as Error).stack ?? err}\n`);
  }
  process.exit(1);
});
