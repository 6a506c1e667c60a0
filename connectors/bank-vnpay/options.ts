import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of a VNPAY-style provider (config `payments.providers.<name>.options`). */
export interface VnpayOptions {
  /** Merchant (terminal) code the provider assigned. */
  tmnCode: string;
  /** The HMAC-SHA512 key: never logged, never sent. */
  hashSecret: string;
  payPath: string;
  queryPath: string;
  locale: 'vn' | 'en';
}

export function vnpayOptionsOf(options: Record<string, unknown>): VnpayOptions {
  const { text } = optionReader('bank-vnpay', options);
  const locale = text('locale', 'vn');
  if (locale !== 'vn' && locale !== 'en') throw new Error('bank-vnpay connector: options.locale must be "vn" or "en"');
  return {
    tmnCode: text('tmnCode'),
    hashSecret: text('hashSecret'),
    payPath: text('payPath', '/paymentv2/vpcpay.html'),
    queryPath: text('queryPath', '/merchant_webapi/api/transaction'),
    locale,
  };
}
