/** One service the simulated platform publishes: calls to `path` (and below it) with `serviceCode` go on to `upstream`. */
export interface PlatformService {
  path: string;
  serviceCode: string;
  /** The system's URL for this service (its base URL + the operation's direct path); the suffix after `path` is appended. */
  upstream: string;
}

/** A consumer the platform issues tokens to: the exact Authorization header its token request must carry, at `tokenPath`. */
export interface PlatformClient {
  tokenPath: string;
  authorization: string;
}

export interface PlatformSimulatorOptions {
  /** "lgsp", "ngsp": in error messages and logs. */
  platform: string;
  clients: PlatformClient[];
  services: PlatformService[];
  /** How long an issued token is valid (the token answer's expires_in); default 3600. */
  tokenLifetimeSeconds: number;
}

/**
 * The simulator's options. There is no config entry for a platform: the sandbox (or a test) builds these from the
 * transports of the systems behind it.
 */
export function platformSimulatorOptionsOf(options: Record<string, unknown>): PlatformSimulatorOptions {
  const fail = (why: string): never => {
    throw new Error(`service-platform simulator: ${why}`);
  };
  const platform = typeof options.platform === 'string' && options.platform ? options.platform : fail('options.platform must be a non-empty string');
  const clients = Array.isArray(options.clients) ? (options.clients as PlatformClient[]) : fail('options.clients must be a list of {tokenPath, authorization}');
  const services = Array.isArray(options.services) ? (options.services as PlatformService[]) : fail('options.services must be a list of {path, serviceCode, upstream}');
  for (const c of clients) if (typeof c.tokenPath !== 'string' || !c.tokenPath.startsWith('/') || typeof c.authorization !== 'string') fail('each client needs a tokenPath starting with "/" and an authorization');
  for (const s of services) {
    if (typeof s.path !== 'string' || !s.path.startsWith('/') || !s.serviceCode || !/^https?:\/\//.test(String(s.upstream))) fail(`service ${JSON.stringify(s.path)} needs a path starting with "/", a serviceCode and an http(s) upstream`);
  }
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  if (typeof lifetime !== 'number' || !(lifetime > 0)) fail('options.tokenLifetimeSeconds must be a positive number');
  return { platform, clients, services, tokenLifetimeSeconds: lifetime as number };
}
