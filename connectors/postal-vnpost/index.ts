import type { Connector } from '../../src/connectors/connector-types.ts';
import { VnpostCarrier } from './carrier.ts';
import { vnpostOperations } from './options.ts';
import { startVnpostSimulator } from './simulator.ts';

/** Public postal service (bưu chính công ích) through the NGSP: dossier pickup and result delivery, tracking pulled. */
export const connector: Connector = {
  name: 'postal-vnpost',
  operations: vnpostOperations,
  messageTypes: ['postal.shipment.v1'],
  createCarrier: (context) => new VnpostCarrier(context),
  startSimulator: startVnpostSimulator,
};
