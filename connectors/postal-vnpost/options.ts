import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of the public postal service (config `destinations.<carrier>.options`). */
export interface VnpostOptions {
  /** The CustomerCode VNPost issued to the province (MOrder.CustomerCode, and the cancel's CustomerCode). */
  customerCode: string;
  /**
   * Consumer key and secret for the token when VNPost's adapter is called without a platform in between (tests, a
   * provincial deployment of the adapter). Through the NGSP the platform's transport holds the credential instead.
   */
  consumerKey?: string;
  consumerSecret?: string;
  /** Direct paths of each call; through the NGSP, `transport.services.<operation>.path` replaces them. */
  tokenPath: string;
  orderPath: string;
  trackingPath: string;
  cancelPath: string;
  /** Tracking records per read (the public client's `pagesize`; its scheduler asks 50, the API allows up to 1000). */
  trackingPageSize: number;
  trackingPollIntervalMs: number;
}

export function vnpostOptionsOf(options: Record<string, unknown>): VnpostOptions {
  const { text } = optionReader('postal-vnpost', options);
  const optional = (key: string) => (options[key] === undefined ? undefined : text(key));
  const count = (key: string, fallback: number, max: number) => {
    const value = options[key] ?? fallback;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) throw new Error(`postal-vnpost connector: options.${key} must be an integer from 1 to ${max}`);
    return value as number;
  };
  const consumerKey = optional('consumerKey');
  const consumerSecret = optional('consumerSecret');
  if (Boolean(consumerKey) !== Boolean(consumerSecret)) throw new Error('postal-vnpost connector: options.consumerKey and options.consumerSecret go together');
  return {
    customerCode: text('customerCode'),
    consumerKey,
    consumerSecret,
    tokenPath: text('tokenPath', '/token'),
    orderPath: text('orderPath', '/order/post'),
    trackingPath: text('trackingPath', '/order/tracking'),
    cancelPath: text('cancelPath', '/order/cancel'),
    trackingPageSize: count('trackingPageSize', 50, 1000),
    trackingPollIntervalMs: count('trackingPollIntervalMs', 60_000, 24 * 3_600_000),
  };
}

/** The calls the connector makes, by name, with their direct paths; `token` only when it holds the credential itself. */
export function vnpostOperations(options: Record<string, unknown>): Record<string, string> {
  const o = vnpostOptionsOf(options);
  return { ...(o.consumerKey ? { token: o.tokenPath } : {}), order: o.orderPath, tracking: o.trackingPath, cancel: o.cancelPath };
}
