import { describe, expect, it } from 'vitest';
import { compareCitizen } from '../../src/citizens/compare-citizen.ts';

const record = { fullName: 'Nguyễn Thị Ánh Tuyết', dateOfBirth: '1987-06-05' };

describe('comparing a claimed identity with the registry', () => {
  it('matches regardless of case, spacing and Unicode composition', () => {
    const decomposed = 'nguyễn thị ánh tuyết'.normalize('NFD');
    expect(compareCitizen({ fullName: `  ${decomposed.toUpperCase()}  `, dateOfBirth: '1987-06-05' }, record)).toEqual({ match: true, mismatchedFields: [] });
    expect(compareCitizen({ fullName: 'Nguyễn  Thị Ánh   Tuyết', dateOfBirth: '1987-06-05' }, record).match).toBe(true);
  });
  it('does not match a name without its diacritics, and says that is the only difference', () => {
    expect(compareCitizen({ fullName: 'Nguyen Thi Anh Tuyet', dateOfBirth: '1987-06-05' }, record)).toEqual({
      match: false,
      mismatchedFields: [{ field: 'fullName', reason: 'differs only in diacritics' }],
    });
    expect(compareCitizen({ fullName: 'Đỗ Văn Lệ', dateOfBirth: '1960-01-01' }, { fullName: 'Do Van Le', dateOfBirth: '1960-01-01' }).mismatchedFields).toEqual([
      { field: 'fullName', reason: 'differs only in diacritics' },
    ]);
  });
  it('reports a different name and a different date of birth', () => {
    expect(compareCitizen({ fullName: 'Trần Văn Bình', dateOfBirth: '1987-06-15' }, record).mismatchedFields).toEqual([
      { field: 'fullName', reason: 'different' },
      { field: 'dateOfBirth', reason: 'different' },
    ]);
  });
  it('compares the year alone when the registry knows only the year of birth', () => {
    expect(compareCitizen({ fullName: 'Lê Văn Tám', dateOfBirth: '1945-08-19' }, { fullName: 'Lê Văn Tám', dateOfBirth: '1945' }).match).toBe(true);
    expect(compareCitizen({ fullName: 'Lê Văn Tám', dateOfBirth: '1946-08-19' }, { fullName: 'Lê Văn Tám', dateOfBirth: '1945' }).match).toBe(false);
  });
});
