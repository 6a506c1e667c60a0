import { optionReader } from '../../src/connectors/connector-options.ts';

/**
 * Connector options of the National Population Database (config `registries.<name>.options`). Two ways in:
 *
 * - `direct`: SOAP to the registry's own endpoint (the service's baseUrl + `path`) with its own Authorization hash,
 *   as the public C# client CallApi037 calls service 037. Option names are ours; the C# config keys are given.
 * - `lgsp-wrapped`: the same SOAP through a provincial LGSP adapter that wants its own token, as Hậu Giang's branch
 *   of VietOpenCPS does (QLCDIntegrationActionImpl). Option names are that source's config keys (QLCDConstants);
 *   its `adapter_url` is the service's baseUrl, so the call goes through `context.transport` like every other.
 */
export type PopulationOptions = DirectOptions | LgspWrappedOptions;

interface CommonOptions {
  /** MaTichHop: the integration's code at the registry; service 037 is "tra cứu thông tin công dân". */
  integrationCode: string;
  /** MaDVC when the request names no procedure: CallApi037 always sends "VPCP". */
  defaultServiceCode: string;
}

export interface DirectOptions extends CommonOptions {
  mode: 'direct';
  /** C06_userName: in the Authorization hash, and TaiKhoan. */
  username: string;
  /** C06_secretKey: mixed into the Authorization hash; never sent, never logged. */
  secret: string;
  /** C06_apiKey, sent as ApiKey. */
  apiKey: string;
  /** C06_X_Road_Client: the province's member identifier on the data exchange platform. */
  xRoadClient: string;
  /** C06_url_xacthuc: the URL the Authorization hash is computed over; not the URL called (C06_url_api). */
  authUrl: string;
  /** Path of C06_url_api under the service's baseUrl. */
  path: string;
}

export interface LgspWrappedOptions extends CommonOptions {
  mode: 'lgsp-wrapped';
  /** Path of the LGSP's token endpoint under adapter_url (the service's baseUrl). */
  getToken: string;
  /** Path of the wrapped TraCuuThongTinCongDan under adapter_url: the source reads the URL from a config key named after the call. */
  TraCuuThongTinCongDan: string;
  /** The five fields of the base64 JSON the source sends as `lgspaccesstoken`. */
  accessKey: string;
  secretKey: string;
  appName: string;
  partnerCode: string;
  partnerCodeCus: string;
  /** AuthHash = base64(keyName:keyPass): the source keeps these per official (CsdlDcUser); we keep one pair per integration. */
  keyName: string;
  keyPass: string;
}

export const populationModes = ['direct', 'lgsp-wrapped'] as const;

export function populationOptionsOf(options: Record<string, unknown>): PopulationOptions {
  const { text } = optionReader('population-db', options);
  const mode = text('mode', 'direct');
  const common = { integrationCode: text('integrationCode', '037'), defaultServiceCode: text('defaultServiceCode', 'VPCP') };
  if (mode === 'direct') {
    return {
      ...common,
      mode,
      username: text('username'),
      secret: text('secret'),
      apiKey: text('apiKey'),
      xRoadClient: text('xRoadClient', 'VN/GOV/000.00.00.H22/MOTCUA'),
      authUrl: text('authUrl'),
      path: text('path', '/dancu/TraCuuThongTinCongDan'),
    };
  }
  if (mode === 'lgsp-wrapped') {
    if (options.adapter_url !== undefined) {
      throw new Error('population-db connector: the source\'s adapter_url is the registry\'s baseUrl here (calls go through the gateway\'s transport); set baseUrl, not options.adapter_url');
    }
    return {
      ...common,
      mode,
      getToken: text('getToken', '/token'),
      TraCuuThongTinCongDan: text('TraCuuThongTinCongDan', '/dancu/TraCuuThongTinCongDan'),
      accessKey: text('accessKey'),
      secretKey: text('secretKey'),
      appName: text('appName'),
      partnerCode: text('partnerCode'),
      partnerCodeCus: text('partnerCodeCus'),
      keyName: text('keyName'),
      keyPass: text('keyPass'),
    };
  }
  throw new Error(`population-db connector: options.mode must be one of ${populationModes.map((m) => `"${m}"`).join(', ')}`);
}

/** The calls each mode makes, with their paths under the service's baseUrl (Connector.operations). */
export function populationOperations(options: PopulationOptions): Record<string, string> {
  return options.mode === 'direct' ? { lookup: options.path } : { token: options.getToken, lookup: options.TraCuuThongTinCongDan };
}
