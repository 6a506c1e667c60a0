import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connector } from './connector-types.ts';

/** Where connector folders live: connectors/<name>/index.ts exports `connector`. */
export const defaultConnectorsDir = resolve(new URL('../../connectors', import.meta.url).pathname);

const loaded = new Map<string, Connector>();

export async function loadConnector(name: string, connectorsDir = defaultConnectorsDir): Promise<Connector> {
  const cached = loaded.get(name);
  if (cached) return cached;
  const entry = join(connectorsDir, name, 'index.ts');
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(entry)) {
    throw new Error(`connector "${name}" not found: expected ${entry}`);
  }
  const module = (await import(pathToFileURL(entry).href)) as { connector?: Connector };
  const connector = module.connector;
  if (!connector || typeof connector.startSimulator !== 'function') {
    throw new Error(`${entry} must export "connector" with startSimulator and the ports its system offers`);
  }
  loaded.set(name, connector);
  return connector;
}

/** A connector's port, or a clear start-up error naming the config entry that asked for it. */
export function requirePort<K extends 'createClient' | 'createPaymentProvider' | 'createRegistry' | 'createCarrier' | 'createSubmissionSource'>(connector: Connector, port: K, usedBy: string): NonNullable<Connector[K]> {
  const factory = connector[port];
  if (typeof factory !== 'function') throw new Error(`${usedBy}: connector "${connector.name}" has no ${port}`);
  return factory.bind(connector) as NonNullable<Connector[K]>;
}
