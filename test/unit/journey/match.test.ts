import { matchAnswer, matchDate, matchKeywords, matchMenu, matchNumber, matchRegex, readYesNo } from '../../../workflows/journey';
import { LONDON } from './helpers';

// Tuesday 10 March 2026, midday in London.
const NOW = Date.parse('2026-03-10T12:00:00Z');

describe('keywords', () => {
  const cases: [string, string[], string, boolean][] = [
    ['the keyword is in any case', ['pay', 'payment'], 'I want to PAY', true],
    ['a synonym matches', ['pay', 'payment'], 'payment please', true],
    ['the keyword is only part of a word', ['pay'], 'payday loan', false],
    ['the answer has accents the keyword lacks', ['payment'], 'Pâyment', true],
    ['the keyword has an accent the answer lacks', ['sí'], 'si', true],
    ['the answer has the accent', ['si'], 'Sí', true],
    ['a phrase appears in order', ['talk to someone'], 'can I talk to someone please?', true],
    ['the phrase words are scattered', ['talk to someone'], 'talk to me someone', false],
    ['the answer is right-to-left text', ['نعم'], 'نعم', true],
    ['the answer is empty', ['pay'], '', false],
  ];
  it.each(cases)('when %s, then matching is %s', (_when, keywords, text, expected) => {
    expect(matchKeywords(keywords, text)).toBe(expected);
  });
});

describe('regex', () => {
  it('when the pattern matches, then the whole match is captured', () => {
    expect(matchRegex('^\\d{5}$', undefined, '12345')).toBe('12345');
  });
  it('when the pattern has a group, then the group is captured', () => {
    expect(matchRegex('ref (\\w+)', 'i', 'My REF ab12 thanks')).toBe('ab12');
  });
  it('when the match lies beyond the input cap, then it does not match', () => {
    expect(matchRegex('needle', undefined, `${'x'.repeat(1_500)}needle`)).toBeUndefined();
  });
  it('when the pattern is invalid, then it does not match and does not throw', () => {
    expect(matchRegex('(', undefined, '(')).toBeUndefined();
  });
  it('when the pattern needs backtracking (lookaround), then it does not match and does not throw', () => {
    expect(matchRegex('(?=a)a', undefined, 'a')).toBeUndefined();
  });
  it.each(['^(a|a)*$', '^(a+)+$', '^(\\w+\\s?)*$'])(
    'when %p meets a reply built to backtrack, then it answers without hanging',
    (pattern) => {
      expect(matchRegex(pattern, undefined, `${'a'.repeat(40)}!`)).toBeUndefined();
      expect(matchRegex(pattern, undefined, 'a'.repeat(40))).toBe(new RegExp(pattern).exec('a'.repeat(40))![1]);
    },
  );
  const semantics: [string, string, string | undefined, string, string | undefined][] = [
    ['\\s takes a no-break space as JavaScript does', '^ref\\s(\\d+)$', undefined, 'ref\u00a012', '12'],
    ['\\S refuses a no-break space', '^a\\Sb$', undefined, 'a\u00a0b', undefined],
    ['[\\s] in a class takes an ideographic space', '^a[\\s,]b$', undefined, 'a\u3000b', 'a\u3000b'],
    ['"." refuses a carriage return', '^a.b$', undefined, 'a\rb', undefined],
    ['"." with the s flag takes a carriage return', '^a.b$', 's', 'a\rb', 'a\rb'],
    ['the i flag folds accented letters', '^café$', 'i', 'CAFÉ', 'CAFÉ'],
    ['a \\u escape names a letter', 'caf\\u00e9', undefined, 'un café', 'café'],
    ['a named group is the first group', 'ref (?<ref>\\d{5})', undefined, 'ref 12345', '12345'],
    ['the m flag anchors at line ends', '^(yes)$', 'm', 'ok\nyes', 'yes'],
    ['an unmatched first group gives the whole match', '(x)?\\d+', undefined, 'n 42', '42'],
  ];
  it.each(semantics)('when %s, then it matches as before', (_, pattern, flags, text, expected) => {
    expect(matchRegex(pattern, flags, text)).toBe(expected);
  });
});

describe('menu numbers', () => {
  const one = ['1', '1.', '1)', ' 1 ', 'one', 'One!', '#1', 'option 1', '1st', 'first', '1️⃣', '１', '١'];
  const notOne = ['11', '1.5', '2', '1 or 2', '', 'one two', 'won'];
  it.each(one)('when the answer is %p, then it chooses 1', (text) => expect(matchMenu(1, text)).toBe(true));
  it.each(notOne)('when the answer is %p, then it does not choose 1', (text) => expect(matchMenu(1, text)).toBe(false));
  it('when the answer is "two", then it chooses 2', () => expect(matchMenu(2, 'two')).toBe(true));
});

describe('yes and no', () => {
  const cases: [string, 'yes' | 'no' | undefined][] = [
    ['y', 'yes'],
    ['Yes', 'yes'],
    ['YES!', 'yes'],
    ['yeah', 'yes'],
    ['yep', 'yes'],
    ['ok', 'yes'],
    ['Okay.', 'yes'],
    ['Sure', 'yes'],
    ['yes please', 'yes'],
    ['Sí', 'yes'],
    ['si', 'yes'],
    ['👍', 'yes'],
    ['👍🏽', 'yes'],
    ['of course', 'yes'],
    ['n', 'no'],
    ['no', 'no'],
    ['Nope', 'no'],
    ['No thanks', 'no'],
    ['nah', 'no'],
    ['👎', 'no'],
    ['not really', 'no'],
    ['maybe', undefined],
    ['yes no', undefined],
    ['', undefined],
    ['🙂', undefined],
    ['yesterday', undefined],
    ["no, that's right", undefined],
    ['👍👎', undefined],
  ];
  it.each(cases)('when the answer is %p, then it reads as %p', (text, expected) => {
    expect(readYesNo(text)).toBe(expected);
  });
});

describe('numbers and amounts', () => {
  const cases: [string, string | undefined][] = [
    ['£1,250.50', '1250.5'],
    ['1250', '1250'],
    ['12.5', '12.5'],
    ['12,5', '12.5'],
    ['I can pay £50 on friday', '50'],
    ['50 pounds', '50'],
    ['(£20)', '20'],
    ['50 or 60', undefined],
    ['fifty', undefined],
    ['14/12', undefined],
    ['', undefined],
  ];
  it.each(cases)('when the answer is %p, then the number is %p', (text, expected) => {
    expect(matchNumber(true, text)).toBe(expected);
  });
  it('when the number is below the minimum, then it does not match', () => {
    expect(matchNumber({ min: 1 }, '0')).toBeUndefined();
    expect(matchNumber({ min: 1, max: 100 }, '100')).toBe('100');
    expect(matchNumber({ max: 100 }, '100.01')).toBeUndefined();
  });
});

describe('dates', () => {
  const cases: [string, string | undefined][] = [
    ['14/12', '2026-12-14'],
    ['14/12/2026', '2026-12-14'],
    ['14-12-27', '2027-12-14'],
    ['14.12.2026', '2026-12-14'],
    ['12th Dec', '2026-12-12'],
    ['Dec 12', '2026-12-12'],
    ['December 12th 2027', '2027-12-12'],
    ['1st of March', '2027-03-01'],
    ['10/03', '2026-03-10'],
    ['today', '2026-03-10'],
    ['Tomorrow!', '2026-03-11'],
    ['day after tomorrow', '2026-03-12'],
    ['friday', '2026-03-13'],
    ['next friday', '2026-03-13'],
    ['tuesday', '2026-03-10'],
    ['next Tuesday', '2026-03-17'],
    ['sat', '2026-03-14'],
    ['in 3 days', '2026-03-13'],
    ['in a week', '2026-03-17'],
    ['2026-04-01', '2026-04-01'],
    ['I can pay on the 20th of March', '2026-03-20'],
    ['friday 20 march', '2026-03-20'],
    ['31/02', undefined],
    ['hello', undefined],
    ['I sat down', undefined],
    ['', undefined],
  ];
  it.each(cases)('when the answer is %p on Tuesday 10 March 2026, then the date is %p', (text, expected) => {
    expect(matchDate(true, text, NOW, LONDON)).toBe(expected);
  });

  it('when it is already tomorrow in the org zone but not in UTC, then "tomorrow" follows the org zone', () => {
    const lateUtc = Date.parse('2026-07-01T23:30:00Z');
    expect(matchDate(true, 'tomorrow', lateUtc, LONDON)).toBe('2026-07-03');
    expect(matchDate(true, 'tomorrow', lateUtc, 'UTC')).toBe('2026-07-02');
    expect(matchDate(true, 'today', lateUtc, 'America/New_York')).toBe('2026-07-01');
  });

  it('when a date lies outside maxDays, then it does not match', () => {
    expect(matchDate({ maxDays: 30 }, '14/12', NOW, LONDON)).toBeUndefined();
    expect(matchDate({ maxDays: 30 }, '14-12-2025', NOW, LONDON)).toBeUndefined();
    expect(matchDate({ maxDays: 30 }, 'next friday', NOW, LONDON)).toBe('2026-03-13');
  });
});

describe('matchAnswer', () => {
  const ctx = { now: NOW, timeZone: LONDON };
  it('when a value is captured, then it is normalised', () => {
    expect(matchAnswer({ menu: 1 }, 'one', ctx)).toEqual({ value: '1' });
    expect(matchAnswer({ yesno: 'yes' }, 'yep', ctx)).toEqual({ value: 'yes' });
    expect(matchAnswer({ number: true }, '£1,250.50', ctx)).toEqual({ value: '1250.5' });
    expect(matchAnswer({ date: true }, '12th Dec', ctx)).toEqual({ value: '2026-12-12' });
  });
  it('when a keyword matches, then no value is captured', () => {
    expect(matchAnswer({ keywords: ['pay'] }, 'pay', ctx)).toEqual({});
  });
  it('when nothing matches, then the result is undefined', () => {
    expect(matchAnswer({ yesno: 'no' }, 'yes', ctx)).toBeUndefined();
  });
});
