import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of the National Population Database (config `registries.<name>.options`). */
export interface PopulationOptions {
  /** TaiKhoan: the province's integration account. */
  username: string;
  /** Mixed into the Authorization hash; never sent, never logged. */
  secret: string;
  apiKey: string;
  /** X-Road-Client: the province's member identifier on the data exchange platform. */
  xRoadClient: string;
  /** MaTichHop and MaDVC the registry assigned to this integration. */
  integrationCode: string;
  serviceCode: string;
  path: string;
}

export function populationOptionsOf(options: Record<string, unknown>): PopulationOptions {
  const { text } = optionReader('population-db', options);
  return {
    username: text('username'),
    secret: text('secret'),
    apiKey: text('apiKey'),
    xRoadClient: text('xRoadClient', 'VN/GOV/000.00.00.H22/MOTCUA'),
    integrationCode: text('integrationCode', 'MOTCUA'),
    serviceCode: text('serviceCode', 'XACTHUC_CONGDAN'),
    path: text('path', '/dancu/TraCuuThongTinCongDan'),
  };
}
