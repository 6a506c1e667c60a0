import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of the public postal service (config `destinations.<carrier>.options`). */
export interface VnpostOptions {
  /** OAuth2 client credentials (consumer key and secret) the carrier issued. */
  clientId: string;
  clientSecret: string;
  customerCode: string;
  /** Shared secret of the tracking callbacks' HMAC-SHA256 signature. */
  callbackSecret: string;
  tokenPath: string;
  createPath: string;
}

export function vnpostOptionsOf(options: Record<string, unknown>): VnpostOptions {
  const { text } = optionReader('postal-vnpost', options);
  return {
    clientId: text('clientId'),
    clientSecret: text('clientSecret'),
    customerCode: text('customerCode'),
    callbackSecret: text('callbackSecret'),
    tokenPath: text('tokenPath', '/oauth/token'),
    createPath: text('createPath', '/api/orders'),
  };
}
