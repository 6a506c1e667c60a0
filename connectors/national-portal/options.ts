/** Connector options of a national-portal destination (config `destinations.<name>.options`). */
export interface PortalOptions {
  clientId: string;
  clientSecret: string;
  tokenPath: string;
  syncPath: string;
  paymentPath: string;
}

export function portalOptionsOf(options: Record<string, unknown>): PortalOptions {
  const text = (key: string, fallback?: string): string => {
    const value = options[key] ?? fallback;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`national-portal connector: options.${key} must be a non-empty string`);
    return value;
  };
  return {
    clientId: text('clientId'),
    clientSecret: text('clientSecret'),
    tokenPath: text('tokenPath', '/oauth2/token'),
    syncPath: text('syncPath', '/api/hoso/capnhattiendo'),
    paymentPath: text('paymentPath', '/api/hoso/capnhatthanhtoan'),
  };
}
