import { populationOptionsOf } from './options.ts';
import type { Connector } from '../../src/connectors/connector-types.ts';
import { PopulationRegistryClient } from './client.ts';
import { startPopulationSimulator } from './simulator.ts';

/** National Population Database (CSDL quốc gia về dân cư): citizen identity lookups over SOAP. */
export const connector: Connector = {
  name: 'population-db',
  operations: (options) => ({ lookup: populationOptionsOf(options).path }),
  messageTypes: [],
  createRegistry: (context) => new PopulationRegistryClient(context),
  startSimulator: startPopulationSimulator,
};
