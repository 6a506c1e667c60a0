import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of a platform-style provider (JSON API, RSA/X.509-signed callbacks). */
export interface PlatformOptions {
  merchantId: string;
  createPath: string;
  /** `{orderId}` is replaced by the payment id. */
  queryPath: string;
}

export function platformOptionsOf(options: Record<string, unknown>): PlatformOptions {
  const { text } = optionReader('bank-platform', options);
  return { merchantId: text('merchantId'), createPath: text('createPath', '/api/v1/payments'), queryPath: text('queryPath', '/api/v1/payments/{orderId}') };
}
