import type { RegistryRecord } from './compare-citizen.ts';

/** Who asks and why: the registry requires it with every lookup, and so does our audit. */
export interface LookupPurpose {
  partner: string;
  agencyCode: string;
  dossierCode: string;
  /** Our id of this lookup, sent as the registry's request id (MaYeuCau). */
  requestId: string;
}

/** What is asked: the registry's interface takes the claimed name and birth date along with the ID. */
export interface CitizenQuery {
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
