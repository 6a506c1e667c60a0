import type { Connector } from '../../src/connectors/connector-types.ts';
import { PaygovProvider } from './client.ts';
import { paygovOptionsOf } from './options.ts';
import { startPaygovSimulator } from './simulator.ts';

/** The national payment platform (the KeyPay-DVCQG client in VietOpenCPS): HMAC-SHA256 checksummed JSON. */
export const connector: Connector = {
  name: 'bank-paygov',
  messageTypes: [],
  operations: (options) => {
    const o = paygovOptionsOf(options);
    return { create: o.createTransactionEndpoint, detail: o.detailTransactionEndpoint };
  },
  createPaymentProvider: (context) => new PaygovProvider(context),
  startSimulator: startPaygovSimulator,
};
