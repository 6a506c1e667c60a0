import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { gatewayConfigSchema } from './config-schema.ts';
import type { GatewayConfig } from './types.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid gateway configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Json, value) : value;
  }
  return out;
}

/** The few settings an operator sets per process without writing a file. */
function envOverrides(env: NodeJS.ProcessEnv): Json {
  const over: Json = {};
  const set = (path: string[], value: unknown) => {
    let node = over;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Json;
    node[path[path.length - 1]!] = value;
  };
  if (env.REDIS_URL) set(['redis', 'url'], env.REDIS_URL);
  if (env.GATEWAY_ROLE) set(['role'], env.GATEWAY_ROLE);
  if (env.HOST) set(['http', 'host'], env.HOST);
  if (env.PORT) set(['http', 'port'], Number(env.PORT));
  if (env.LOG_LEVEL) set(['log', 'level'], env.LOG_LEVEL);
  if (env.LOG_FORMAT) set(['log', 'format'], env.LOG_FORMAT);
  if (env.GATEWAY_LOG_SALT) set(['messageLog', 'piiSalt'], env.GATEWAY_LOG_SALT);
  return over;
}

function readJsonFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read config file ${path}: ${(err as Error).message}`]);
  }
  try {
    const parsed = JSON.parse(text);
    if (!isObject(parsed)) throw new Error('top level must be an object');
    return parsed;
  } catch (err) {
    throw new ConfigError([`config file ${path} is not valid JSON: ${(err as Error).message}`]);
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const validateShape = ajv.compile(gatewayConfigSchema);

/** Rules one JSON Schema cannot say: references between sections. */
function crossChecks(config: GatewayConfig): string[] {
  const problems: string[] = [];
  for (const [type, destinations] of Object.entries(config.routes)) {
    for (const destination of destinations) {
      if (!config.destinations[destination]) problems.push(`/routes/${type} names unknown destination "${destination}"`);
    }
  }
  for (const [name, d] of Object.entries(config.destinations)) {
    if (d.retry.maxDelayMs < d.retry.baseDelayMs) problems.push(`/destinations/${name}/retry/maxDelayMs must be >= baseDelayMs`);
  }
  if (config.submissions.source && !config.destinations[config.submissions.source]) problems.push(`/submissions/source names unknown destination "${config.submissions.source}"`);
  const systems = [
    ...Object.entries(config.destinations).map(([n, d]) => [`/destinations/${n}`, d] as const),
    ...Object.entries(config.payments.providers).map(([n, p]) => [`/payments/providers/${n}`, p] as const),
    ...Object.entries(config.registries).map(([n, r]) => [`/registries/${n}`, r] as const),
  ];
  for (const [path, system] of systems) {
    const t = system.transport;
    if (t && !t.key && !(t.consumerKey && t.consumerSecret)) problems.push(`${path}/transport needs "key" (with keyScheme) or "consumerKey" and "consumerSecret"`);
  }
  if (config.delivery.dossierLockMs < 1000) problems.push('/delivery/dossierLockMs must be at least 1000');
  problems.push(...redisProblems(config.redis));
  return problems;
}

/** Keys that were renamed: say what replaced them, not only that they are unknown. */
function hintFor(where: string, extra: string): string {
  if (/\/retry$/.test(where) && extra === ' "attempts"') return ' (retries are budgeted by time now: set maxAgeMs, e.g. 86400000 for 24 h)';
  return '';
}

/** One way to reach Redis, and replica acknowledgements only where there can be replicas to count. */
function redisProblems(redis: GatewayConfig['redis']): string[] {
  const given = (['url', 'sentinel', 'cluster'] as const).filter((key) => redis[key] !== undefined);
  if (given.length > 1) return [`/redis: ${given.map((k) => `/redis/${k}`).join(' and ')} are alternatives; give one (REDIS_URL sets /redis/url)`];
  const problems: string[] = [];
  if (redis.minReplicasAcked) {
    if (given.length === 0) problems.push('/redis/minReplicasAcked needs a Redis with replicas (/redis/url, /redis/sentinel or /redis/cluster): the embedded redis-server has none');
  }
  if (redis.cluster && /[{}]/.test(redis.prefix) && !/^\{[^{}]+\}$/.test(redis.prefix)) problems.push('/redis/prefix: with /redis/cluster, give it plain (gw): the gateway makes it the hash tag {gw} itself');
  return problems;
}

export interface LoadConfigOptions {
  /** Root the relative paths in config are resolved against (default: cwd). */
  rootDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last; tests use this instead of files. */
  overrides?: Json;
}

export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const rootDir = options.rootDir ?? process.cwd();
  const env = options.env ?? process.env;
  let merged = readJsonFile(resolve(rootDir, 'config/default.json'));
  if (env.GATEWAY_CONFIG) merged = deepMerge(merged, readJsonFile(resolve(rootDir, env.GATEWAY_CONFIG)));
  merged = deepMerge(merged, envOverrides(env));
  if (options.overrides) merged = deepMerge(merged, options.overrides);

  if (!validateShape(merged)) {
    const problems = (validateShape.errors ?? []).map((e) => {
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
      return `${where} ${e.message}${extra}${hintFor(where, extra)}`;
    });
    throw new ConfigError(problems);
  }
  // A route may name one destination or a list; the rest of the gateway sees lists only.
  for (const [type, target] of Object.entries(merged.routes as Json)) (merged.routes as Json)[type] = typeof target === 'string' ? [target] : target;
  const config = merged as unknown as GatewayConfig;
  for (const system of [...Object.values(config.destinations), ...Object.values(config.payments.providers), ...Object.values(config.registries)]) {
    if (system.transport === null) delete system.transport; // null: reached directly
  }
  const problems = crossChecks(config);
  if (problems.length) throw new ConfigError(problems);
  // On a Cluster the prefix is a hash tag: every key of the gateway's own in one slot (types.ts, RedisConfig.prefix).
  if (config.redis.cluster && !config.redis.prefix.startsWith('{')) config.redis.prefix = `{${config.redis.prefix}}`;
  return config;
}
