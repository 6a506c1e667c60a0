import type { Connector } from '../../src/connectors/connector-types.ts';
import { startPlatformSimulator } from './simulator.ts';

/**
 * A government service platform (the province's LGSP, the national NGSP) is not a system the gateway delivers to:
 * it stands in front of one (see src/connectors/transport/platform-transport.ts). This folder holds only its
 * simulator, which the sandbox starts in front of the simulators of systems configured "via" a platform.
 */
export const connector: Connector = {
  name: 'service-platform',
  messageTypes: [],
  operations: () => ({}),
  startSimulator: startPlatformSimulator,
};
