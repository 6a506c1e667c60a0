import { provinceCodes } from '../../src/citizens/personal-id.ts';

/** A made-up citizen: generated from a fixed seed, never a real person. */
export interface SyntheticCitizen {
  personalId: string;
  family: string;
  middle: string;
  given: string;
  /** YYYY-MM-DD, or YYYY when the registry knows only the year (older records). */
  dateOfBirth: string;
  /** The 9-digit number of an old ID card (CMND) the registry also knows this citizen by. */
  oldIdNumber?: string;
}

export const fullNameOf = (c: SyntheticCitizen) => [c.family, c.middle, c.given].filter(Boolean).join(' ');

/** Named ones the README and tests use; the rest are generated. */
export const wellKnownCitizens: SyntheticCitizen[] = [
  { personalId: '001090012345', family: 'Nguyễn', middle: 'Văn', given: 'An', dateOfBirth: '1990-05-14' },
  { personalId: '079188004321', family: 'Trần', middle: 'Thị Bích', given: 'Ngọc', dateOfBirth: '1988-11-02', oldIdNumber: '025188432' },
  { personalId: '036155000123', family: 'Lê', middle: 'Thị', given: 'Lệ', dateOfBirth: '1955' },
  { personalId: '001203000777', family: 'Đỗ', middle: 'Minh', given: 'Đức', dateOfBirth: '2003-01-20' },
];

const families = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const middles = { male: ['Văn', 'Hữu', 'Đức', 'Minh', 'Quang', 'Thành'], female: ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Kim', 'Mỹ'] };
const givens = { male: ['An', 'Bình', 'Cường', 'Dũng', 'Hùng', 'Khoa', 'Long', 'Nam', 'Phúc', 'Sơn', 'Tâm', 'Việt'], female: ['Anh', 'Châu', 'Dung', 'Hà', 'Hạnh', 'Lan', 'Linh', 'Mai', 'Nga', 'Oanh', 'Thảo', 'Yến'] };

/** mulberry32: small, fast, and the same citizens on every machine. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCitizens(count: number, seed = 20261123): SyntheticCitizen[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const provinces = [...provinceCodes];
  const citizens = [...wellKnownCitizens];
  const seen = new Set(citizens.map((c) => c.personalId));
  while (citizens.length < count + wellKnownCitizens.length) {
    const gender = random() < 0.5 ? 'male' : 'female';
    const year = 1935 + Math.floor(random() * 72);
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const centuryDigit = (year >= 2000 ? 2 : 0) + (gender === 'female' ? 1 : 0);
    const personalId = `${pick(provinces)}${centuryDigit}${String(year % 100).padStart(2, '0')}${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
    if (seen.has(personalId)) continue;
    seen.add(personalId);
    const dateOfBirth = year < 1960 && random() < 0.3 ? String(year) : `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    citizens.push({ personalId, family: pick(families), middle: pick(middles[gender]), given: pick(givens[gender]), dateOfBirth });
  }
  return citizens;
}
