import { vnpayOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { VnpayProvider } from './client.ts';
import { startVnpaySimulator } from './simulator.ts';

/** A VNPAY-style bank payment intermediary: HMAC-SHA512 signed pay URLs, IPN callbacks and querydr. */
export const connector: Connector = {
  name: 'bank-vnpay',
  operations: (options) => ({ transaction: vnpayOptionsOf(options).queryPath }),
  messageTypes: [],
  createPaymentProvider: (context) => new VnpayProvider(context),
  startSimulator: startVnpaySimulator,
};
