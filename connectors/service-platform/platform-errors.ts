/**
 * The platform's own refusals. We read LGSPs and the NGSP as API gateways of the WSO2 API Manager kind (their token
 * flow is WSO2's); their error bodies are not published, so these are our reading of what a WSO2 gateway answers.
 */
export const platformErrors = {
  /** No `Authorization: Bearer` on a service call. */
  missingCredentials: {
    statusCode: 401,
    body: { code: '900902', message: 'Missing Credentials', description: "Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN'" },
  },
  /** A token the platform never issued, or one expired or revoked. */
  invalidCredentials: {
    statusCode: 401,
    body: { code: '900901', message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' },
  },
  /** A valid token, but the `service-code` header is missing or names another service. */
  forbidden: {
    statusCode: 403,
    body: { code: '900908', message: 'Resource forbidden', description: 'Access failure for API: the service-code does not match the service called' },
  },
  /** No service is published at this path. */
  notFound: {
    statusCode: 404,
    body: { code: '404', type: 'Status report', message: 'Not Found', description: 'The requested resource is not available.' },
  },
  /** The upstream system did not answer. */
  backendUnreachable: {
    statusCode: 503,
    body: { fault: { code: 101503, type: 'Status report', message: 'Runtime Error', description: 'Error connecting to the back end' } },
  },
  /** The token endpoint: a client credential it does not know (OAuth2's own error shape). */
  invalidClient: { statusCode: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed.' } },
  unsupportedGrant: { statusCode: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type value' } },
} as const;

export type PlatformError = (typeof platformErrors)[keyof typeof platformErrors];
