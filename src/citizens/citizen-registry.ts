import type { RegistryRecord } from './compare-citizen.ts';

/** Who asks and why: the registry requires it with every lookup, and so does our audit. */
export interface LookupPurpose {
  partner: string;
  agencyCode: string;
  dossierCode: string;
  /** Our id of this lookup, sent as the registry's request id (MaYeuCau). */
  requestId: string;
  /** The official making the check (MaCanBo): their personal ID or their user name at the registry. Personal data. */
  officerId: string;
  /** That official's phone (SoDienThoai), when given. Personal data. */
  officerPhone?: string;
  /** The procedure's service code on the national portal (MaDVC); absent: the connector's default. */
  serviceCode?: string;
}

/** What is asked: the registry's interface takes the claimed name and birth date along with the ID. */
export interface CitizenQuery {
  /** 12-digit personal ID (số định danh), or a 9-digit old ID card number (CMND): see personal-id.ts. */
  personalId: string;
  fullName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
}

/** The lookup port a registry connector offers (connectors/population-db). */
export interface CitizenRegistry {
  /** The registry's record for the personal ID, or null when it has none. Throws RegistryError on failure. */
  lookup(query: CitizenQuery, purpose: LookupPurpose): Promise<RegistryRecord | null>;
  close(): Promise<void>;
}

/** A registry that could not answer: down (503) or too slow (504). The caller is told to retry, never given a guess. */
export class RegistryError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
