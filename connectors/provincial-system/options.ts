import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of a provincial-system destination: the one-stop system's gateway-events endpoint. */
export interface ProvincialOptions {
  /** The key the one-stop system issued to the gateway (sent as Bearer). */
  apiKey: string;
  eventsPath: string;
}

export function provincialOptionsOf(options: Record<string, unknown>): ProvincialOptions {
  const { text } = optionReader('provincial-system', options);
  return { apiKey: text('apiKey'), eventsPath: text('eventsPath', '/gateway/events') };
}
