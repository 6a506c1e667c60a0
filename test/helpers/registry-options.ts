/** Credentials of the population registry in test gateways and their simulators. */
export const registryOptions = { username: 'test-province', secret: 'test-registry-secret-0123', apiKey: 'test-registry-api-key', authUrl: 'https://dancu.test/xacthuc' };

/** The population registry behind a Hậu Giang-style LGSP (options.mode "lgsp-wrapped"), names as in the public source's config. */
export const lgspWrappedRegistryOptions = {
  mode: 'lgsp-wrapped',
  getToken: '/lgsp/token',
  TraCuuThongTinCongDan: '/lgsp/dancu/TraCuuThongTinCongDan',
  accessKey: 'test-access-key',
  secretKey: 'test-lgsp-secret-key',
  appName: 'MOTCUA',
  partnerCode: 'HAUGIANG',
  partnerCodeCus: 'TEST-CUS',
  keyName: 'test-registry-key',
  keyPass: 'test-registry-pass',
};
