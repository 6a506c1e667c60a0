import type { ErrorDetail } from '../http/errors.ts';

/**
 * Province codes that open a 12-digit personal identification number (số định danh cá nhân), per Circular
 * 07/2016/TT-BCA (the 63 provinces of that time). Numbers issued keep their code after the 2025 merger of provinces.
 */
export const provinceCodes = new Set([
  '001', '002', '004', '006', '008', '010', '011', '012', '014', '015', '017', '019', '020', '022', '024', '025', '026',
  '027', '030', '031', '033', '034', '035', '036', '037', '038', '040', '042', '044', '045', '046', '048', '049', '051',
  '052', '054', '056', '058', '060', '062', '064', '066', '067', '068', '070', '072', '074', '075', '077', '079', '080',
  '082', '083', '084', '086', '087', '089', '091', '092', '093', '094', '095', '096',
]);

/** The fourth digit: century of birth and gender (even male, odd female). */
const centuries: Record<string, number> = { '0': 1900, '1': 1900, '2': 2000, '3': 2000, '4': 2100, '5': 2100, '6': 2200, '7': 2200, '8': 1800, '9': 1800 };

export interface PersonalIdFacts {
  provinceCode: string;
  gender: 'male' | 'female';
  birthYear: number;
}

/**
 * A 9-digit number is an old ID card (chứng minh nhân dân, CMND). The registry still answers for one (sent as
 * SoCMND instead of SoDinhDanh). Its digits encode only where it was issued, so there is nothing to check against
 * the date of birth.
 */
export const isOldIdCardNumber = (id: string) => /^\d{9}$/.test(id);

/**
 * Checks the structure of a personal ID and that it agrees with the date of birth (YYYY-MM-DD): 3-digit province
 * code, century/gender digit, 2-digit birth year, 6 digits. Returns what it encodes, or every problem found.
 * An old 9-digit ID card number passes with no facts (see isOldIdCardNumber).
 */
export function checkPersonalId(personalId: string, dateOfBirth: string, path = '/personalId'): { facts?: PersonalIdFacts; problems: ErrorDetail[] } {
  if (isOldIdCardNumber(personalId)) return { problems: [] };
  if (!/^\d{12}$/.test(personalId)) return { problems: [{ path, message: 'must be 12 digits (personal ID) or 9 digits (old ID card number)' }] };
  const problems: ErrorDetail[] = [];
  const provinceCode = personalId.slice(0, 3);
  if (!provinceCodes.has(provinceCode)) problems.push({ path, message: `starts with ${provinceCode}, which is not a province code` });
  const centuryDigit = personalId[3]!;
  const birthYear = centuries[centuryDigit]! + Number(personalId.slice(4, 6));
  const dobYear = Number(/^(\d{4})-\d{2}-\d{2}$/.exec(dateOfBirth)?.[1]);
  if (Number.isFinite(dobYear) && dobYear !== birthYear) {
    problems.push({ path, message: `encodes birth year ${birthYear}, but the date of birth is in ${dobYear}` });
  }
  const facts: PersonalIdFacts = { provinceCode, gender: Number(centuryDigit) % 2 === 0 ? 'male' : 'female', birthYear };
  return problems.length ? { problems } : { facts, problems };
}
