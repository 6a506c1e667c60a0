/** Connector options of a platform-style provider (JSON API, RSA/X.509-signed callbacks). */
export interface PlatformOptions {
  merchantId: string;
  createPath: string;
  /** `{orderId}` is replaced by the payment id. */
  queryPath: string;
}

export function platformOptionsOf(options: Record<string, unknown>): PlatformOptions {
  const text = (key: string, fallback?: string): string => {
    const value = options[key] ?? fallback;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`bank-platform connector: options.${key} must be a non-empty string`);
    return value;
  };
  return { merchantId: text('merchantId'), createPath: text('createPath', '/api/v1/payments'), queryPath: text('queryPath', '/api/v1/payments/{orderId}') };
}
