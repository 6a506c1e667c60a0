import { provincialOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { ProvincialSystemClient } from './client.ts';
import { startProvincialSimulator } from './simulator.ts';

/** The province's own one-stop system (Một cửa điện tử): where events from banks, post and portal end up. */
export const connector: Connector = {
  name: 'provincial-system',
  operations: (options) => ({ events: provincialOptionsOf(options).eventsPath }),
  messageTypes: ['payment.result.v1', 'payment.refund.v1'],
  createClient: (context) => new ProvincialSystemClient(context),
  startSimulator: startProvincialSimulator,
};
