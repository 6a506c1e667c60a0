import { optionReader } from '../../src/connectors/connector-options.ts';

/** The beneficiary account fees are paid into (the source's `BankInfo` entries). */
export interface BeneficiaryAccount {
  /** TKThuHuong */
  accountNumber: string;
  /** MaNHThuHuong */
  bankCode: string;
  /** TenTKThuHuong */
  accountName: string;
}

/**
 * Options of the national payment platform provider, named after the keys of the public client's configuration
 * (VietOpenCPS `KP_DVCQG_CONFIG`, read in PayGateIntegrationActionImpl.kpCreateTransaction): `client_id` →
 * clientId, `hash_key_1` → hashKey1, `keypay_dvcqg_create_transaction_endpoint` → createTransactionEndpoint, …
 * The two endpoints are paths under the provider's baseUrl.
 */
export interface PaygovOptions {
  clientId: string;
  /** Signs what the gateway sends (create, detail). Never logged, never sent. */
  hashKey1: string;
  /** Checks what the platform sends (callbacks, detail answers). */
  hashKey2: string;
  /** `command`; the source's comment says "default PAY". */
  command: string;
  /** `version`; the source's comment says "default 3.0". */
  version: string;
  createTransactionEndpoint: string;
  detailTransactionEndpoint: string;
  locale: string;
  countryCode: string;
  currencyCode: string;
  /** 1 web, 2 app. */
  environment: string;
  /** bill_info.MaDichVu; "thu phi le phi = 2" in the source. */
  maDichVu: string;
  /** MaDonVi / TenDonVi: the collecting unit as registered at the platform. */
  maDonVi: string;
  tenDonVi: string;
  /** Appended to the procedure code to make MaDVC (`MADVCAppend`). */
  maDvcAppend: string;
  maCoQuanQD: string;
  tenCoQuanQD: string;
  /** `BankInfo`: by procedure code, with `default` for every other procedure. */
  bankInfo: Record<string, BeneficiaryAccount> & { default: BeneficiaryAccount };
}

export function paygovOptionsOf(options: Record<string, unknown>): PaygovOptions {
  const { text } = optionReader('bank-paygov', options);
  const optional = (key: string) => {
    const value = options[key] ?? '';
    if (typeof value !== 'string') throw new Error(`bank-paygov connector: options.${key} must be a string`);
    return value;
  };
  return {
    clientId: text('clientId'),
    hashKey1: text('hashKey1'),
    hashKey2: text('hashKey2'),
    command: text('command', 'PAY'),
    version: text('version', '3.0'),
    createTransactionEndpoint: text('createTransactionEndpoint', '/api/v1/transactions/create'),
    detailTransactionEndpoint: text('detailTransactionEndpoint', '/api/v1/transactions/detail'),
    locale: text('locale', 'vn'),
    countryCode: text('countryCode', 'vi'),
    currencyCode: text('currencyCode', 'VND'),
    environment: text('environment', '1'),
    maDichVu: text('maDichVu', '2'),
    maDonVi: text('maDonVi'),
    tenDonVi: text('tenDonVi'),
    maDvcAppend: optional('maDvcAppend'),
    maCoQuanQD: optional('maCoQuanQD'),
    tenCoQuanQD: optional('tenCoQuanQD'),
    bankInfo: bankInfoOf(options.bankInfo),
  };
}

function bankInfoOf(value: unknown): PaygovOptions['bankInfo'] {
  const fail = (why: string): never => {
    throw new Error(`bank-paygov connector: options.bankInfo${why}`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(' must be an object of accounts with a "default" entry');
  const accounts: Record<string, BeneficiaryAccount> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const account = (raw ?? {}) as Record<string, unknown>;
    for (const field of ['accountNumber', 'bankCode', 'accountName']) {
      if (typeof account[field] !== 'string' || account[field] === '') fail(`.${key}.${field} must be a non-empty string`);
    }
    accounts[key] = { accountNumber: account.accountNumber as string, bankCode: account.bankCode as string, accountName: account.accountName as string };
  }
  if (!accounts.default) fail('.default is required');
  return accounts as PaygovOptions['bankInfo'];
}

/** The account for a procedure: its own entry, else the default (as the source chooses). */
export const beneficiaryFor = (options: PaygovOptions, procedureCode: string | undefined): BeneficiaryAccount =>
  (procedureCode && options.bankInfo[procedureCode]) || options.bankInfo.default;
