import { vnpostOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { VnpostClient } from './client.ts';
import { startVnpostSimulator } from './simulator.ts';
import { VnpostTrackingReceiver } from './tracking-receiver.ts';

/** Public postal service (bưu chính công ích): dossier pickup and result delivery, with tracking callbacks. */
export const connector: Connector = {
  name: 'postal-vnpost',
  operations: (options) => ({ token: vnpostOptionsOf(options).tokenPath, order: vnpostOptionsOf(options).createPath }),
  messageTypes: ['postal.shipment.v1'],
  createClient: (context) => new VnpostClient(context),
  createTrackingReceiver: (context) => new VnpostTrackingReceiver(context),
  startSimulator: startVnpostSimulator,
};
