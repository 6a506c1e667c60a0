/** Connector options of a provincial-system destination: the one-stop system's gateway-events endpoint. */
export interface ProvincialOptions {
  /** The key the one-stop system issued to the gateway (sent as Bearer). */
  apiKey: string;
  eventsPath: string;
}

export function provincialOptionsOf(options: Record<string, unknown>): ProvincialOptions {
  const text = (key: string, fallback?: string): string => {
    const value = options[key] ?? fallback;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`provincial-system connector: options.${key} must be a non-empty string`);
    return value;
  };
  return { apiKey: text('apiKey'), eventsPath: text('eventsPath', '/gateway/events') };
}
