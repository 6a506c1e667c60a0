import { describe, expect, it } from 'vitest';
import { checkPersonalId } from '../../src/citizens/personal-id.ts';

describe('personal ID (số định danh cá nhân)', () => {
  it('reads province, gender and birth year, and accepts an ID that agrees with the date of birth', () => {
    expect(checkPersonalId('001099012345', '1999-03-14')).toEqual({ facts: { provinceCode: '001', gender: 'male', birthYear: 1999 }, problems: [] });
    expect(checkPersonalId('079305000123', '2005-11-02')).toEqual({ facts: { provinceCode: '079', gender: 'female', birthYear: 2005 }, problems: [] });
  });
  it('refuses a wrong length or non-digits', () => {
    expect(checkPersonalId('00109901234', '1999-03-14').problems).toEqual([{ path: '/personalId', message: 'must be 12 digits (personal ID) or 9 digits (old ID card number)' }]);
    expect(checkPersonalId('00109901234a', '1999-03-14').problems).toHaveLength(1);
  });
  it('lets an old 9-digit ID card number (CMND) through: it encodes nothing to check against the date of birth', () => {
    expect(checkPersonalId('025188432', '1988-11-02')).toEqual({ problems: [] });
    expect(checkPersonalId('02518843', '1988-11-02').problems).toHaveLength(1);
    expect(checkPersonalId('0251884321', '1988-11-02').problems).toHaveLength(1);
  });
  it('refuses an unknown province code', () => {
    expect(checkPersonalId('003099012345', '1999-03-14').problems).toEqual([{ path: '/personalId', message: 'starts with 003, which is not a province code' }]);
  });
  it('refuses a birth year or century that disagrees with the date of birth, naming both', () => {
    expect(checkPersonalId('001099012345', '1998-03-14').problems[0]!.message).toBe('encodes birth year 1999, but the date of birth is in 1998');
    // 2 = male born in the 2000s: 2099 is not 1999.
    expect(checkPersonalId('001299012345', '1999-03-14').problems[0]!.message).toBe('encodes birth year 2099, but the date of birth is in 1999');
  });
});
