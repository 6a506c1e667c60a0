import { populationOperations, populationOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { PopulationRegistryClient } from './client.ts';
import { startPopulationSimulator } from './simulator.ts';

/** National Population Database (CSDL quốc gia về dân cư): citizen identity lookups over SOAP, direct or LGSP-wrapped. */
export const connector: Connector = {
  name: 'population-db',
  operations: (options) => populationOperations(populationOptionsOf(options)),
  messageTypes: [],
  createRegistry: (context) => new PopulationRegistryClient(context),
  startSimulator: startPopulationSimulator,
};
