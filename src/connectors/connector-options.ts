/**
 * Reads a connector's options (config `…options`) with one clear error per bad key, naming the connector:
 * `text('clientId')` is required, `text('tokenPath', '/oauth2/token')` has a default.
 */
export function optionReader(connector: string, options: Record<string, unknown>) {
  return {
    text(key: string, fallback?: string): string {
      const value = options[key] ?? fallback;
      if (typeof value !== 'string' || value.length === 0) throw new Error(`${connector} connector: options.${key} must be a non-empty string`);
      return value;
    },
  };
}
