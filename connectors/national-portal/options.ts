import { optionReader } from '../../src/connectors/connector-options.ts';

/** Connector options of a national-portal destination (config `destinations.<name>.options`). */
export interface PortalOptions {
  clientId: string;
  clientSecret: string;
  tokenPath: string;
  syncPath: string;
  paymentPath: string;
  /** Receipts of online dossiers, and the feed of them. */
  receiptPath: string;
  submissionsPath: string;
}

export function portalOptionsOf(options: Record<string, unknown>): PortalOptions {
  const { text } = optionReader('national-portal', options);
  return {
    clientId: text('clientId'),
    clientSecret: text('clientSecret'),
    tokenPath: text('tokenPath', '/oauth2/token'),
    syncPath: text('syncPath', '/api/hoso/capnhattiendo'),
    paymentPath: text('paymentPath', '/api/hoso/capnhatthanhtoan'),
    receiptPath: text('receiptPath', '/api/hoso/xacnhannhan'),
    submissionsPath: text('submissionsPath', '/api/hoso/moi'),
  };
}
