/**
 * How a claimed identity is compared with the population registry's record.
 *
 * Names: Unicode NFC, surrounding and repeated spaces ignored, letter case ignored (Vietnamese-aware lowercase).
 * Diacritics are SIGNIFICANT: "Nguyễn" does not match "Nguyen". In Vietnamese they tell names apart ("Lê" and
 * "Lệ", "Đỗ" and "Do" are different people), and the registry holds the name as written on the ID card, so an
 * unaccented name is not confirmed. Because that is the commonest honest mistake (old systems that stripped
 * accents), the mismatch says "differs only in diacritics" so the officer knows what to fix.
 *
 * Date of birth: equal as YYYY-MM-DD; a registry record known only by year (common for older citizens) is compared
 * on the year alone.
 */
export interface CitizenClaim {
  fullName: string;
  dateOfBirth: string;
}

export interface RegistryRecord {
  fullName: string;
  /** YYYY-MM-DD, or YYYY when the registry knows only the year. */
  dateOfBirth: string;
}

export interface Mismatch {
  field: 'fullName' | 'dateOfBirth';
  reason: 'different' | 'differs only in diacritics';
}

const normalizeName = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi');
/** Strips tone and vowel marks, and đ → d: only to explain a mismatch, never to match. */
const withoutDiacritics = (name: string) => normalizeName(name).normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd');

export function compareCitizen(claim: CitizenClaim, record: RegistryRecord): { match: boolean; mismatchedFields: Mismatch[] } {
  const mismatchedFields: Mismatch[] = [];
  if (normalizeName(claim.fullName) !== normalizeName(record.fullName)) {
    const onlyDiacritics = withoutDiacritics(claim.fullName) === withoutDiacritics(record.fullName);
    mismatchedFields.push({ field: 'fullName', reason: onlyDiacritics ? 'differs only in diacritics' : 'different' });
  }
  const yearOnly = /^\d{4}$/.test(record.dateOfBirth);
  if ((yearOnly ? claim.dateOfBirth.slice(0, 4) : claim.dateOfBirth) !== record.dateOfBirth) mismatchedFields.push({ field: 'dateOfBirth', reason: 'different' });
  return { match: mismatchedFields.length === 0, mismatchedFields };
}
