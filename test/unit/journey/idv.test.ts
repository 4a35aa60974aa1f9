import { compareIdv, parseDob, sameDob, sameExact, samePostcode } from '../../../workflows/journey';

const THIS_YEAR = 2026;

describe('date of birth', () => {
  const same = [
    '14/02/1985',
    '14-2-85',
    '14 Feb 1985',
    '1985-02-14',
    '14.02.1985',
    '14021985',
    '14th February 1985',
    'February 14, 1985',
    ' 14/2/1985 ',
    '14 feb 85',
  ];
  it.each(same)('when the answer is %p and the record says 1985-02-14, then they match', (answer) => {
    expect(sameDob(answer, '1985-02-14', THIS_YEAR)).toBe(true);
  });

  it('when the record is stored day-first, then it is read day-first too', () => {
    expect(sameDob('1985-02-14', '14/02/1985', THIS_YEAR)).toBe(true);
  });

  const different = ['02/14/1985', '13/02/1985', '14/02/1986', '14/02', '', 'abc', '31/02/1985', '🎂'];
  it.each(different)('when the answer is %p, then it does not match 1985-02-14', (answer) => {
    expect(sameDob(answer, '1985-02-14', THIS_YEAR)).toBe(false);
  });

  const years: [string, string][] = [
    ['1/1/05', '2005-01-01'],
    ['1/1/26', '2026-01-01'],
    ['1/1/27', '1927-01-01'],
    ['1/1/85', '1985-01-01'],
  ];
  it.each(years)('when a two-digit year is given as %p in 2026, then it is %p', (answer, iso) => {
    const d = parseDob(answer, THIS_YEAR);
    expect(d && `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`).toBe(iso);
  });

  it('when the record itself is unreadable, then nothing matches it', () => {
    expect(sameDob('14/02/1985', 'unknown', THIS_YEAR)).toBe(false);
  });
});

describe('postcode', () => {
  const cases: [string, string, boolean][] = [
    ['sw1a 1aa', 'SW1A 1AA', true],
    ['SW1A1AA', 'SW1A 1AA', true],
    [' s w 1 a 1 a a ', 'SW1A 1AA', true],
    ['SW1A-1AA', 'SW1A 1AA', true],
    ['SW1A 1AB', 'SW1A 1AA', false],
    ['', '', false],
  ];
  it.each(cases)('when the answer is %p and the record %p, then matching is %p', (answer, expected, result) => {
    expect(samePostcode(answer, expected)).toBe(result);
  });
});

describe('exact', () => {
  const cases: [string, string, boolean][] = [
    [' Smith ', 'smith', true],
    ['SMITH', 'Smith', true],
    ['Smyth', 'Smith', false],
    ['', '', false],
  ];
  it.each(cases)('when the answer is %p and the record %p, then matching is %p', (answer, expected, result) => {
    expect(sameExact(answer, expected)).toBe(result);
  });
});

describe('compareIdv', () => {
  it('when asked by kind, then it uses that comparison', () => {
    expect(compareIdv('dob', '14/02/1985', '1985-02-14', THIS_YEAR)).toBe(true);
    expect(compareIdv('postcode', 'sw1a1aa', 'SW1A 1AA', THIS_YEAR)).toBe(true);
    expect(compareIdv('exact', 'sw1a1aa', 'SW1A 1AA', THIS_YEAR)).toBe(false);
  });
});
