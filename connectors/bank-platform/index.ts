import { platformOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { PlatformProvider } from './client.ts';
import { startPlatformSimulator } from './simulator.ts';

/** A platform-style payment provider (national payment platform profile): JSON, RSA/X.509-signed callbacks. */
export const connector: Connector = {
  name: 'bank-platform',
  operations: (options) => ({ create: platformOptionsOf(options).createPath, query: platformOptionsOf(options).queryPath.split('{')[0]! }),
  messageTypes: [],
  createPaymentProvider: (context) => new PlatformProvider(context),
  startSimulator: startPlatformSimulator,
};
