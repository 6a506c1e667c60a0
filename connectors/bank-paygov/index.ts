import type { Connector } from '../../src/connectors/connector-types.ts';
import { PaygovProvider } from './client.ts';
import { startPaygovSimulator } from './simulator.ts';

/** The national payment platform (the KeyPay-DVCQG client in VietOpenCPS): HMAC-SHA256 checksummed JSON. */
export const connector: Connector = {
  name: 'bank-paygov',
  messageTypes: [],
  createPaymentProvider: (context) => new PaygovProvider(context),
  startSimulator: startPaygovSimulator,
};
