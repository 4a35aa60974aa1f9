import { render, renderLoose } from '../../../workflows/journey';
import { ctxAt } from './helpers';

const ctx = ctxAt('2026-03-10T12:00:00Z');
const fields = {
  firstName: 'Zoë',
  balance: '1250.5',
  due: '2026-12-14',
  dueAt: '2026-06-30T23:30:00Z',
  ukDate: '14/02/2027',
  city: 'münchen',
  notNumber: 'lots',
  blank: '   ',
};

describe('render', () => {
  const cases: [string, string, string][] = [
    ['a field is plain', 'Hi <<firstName>>!', 'Hi Zoë!'],
    ['spaces sit inside the brackets', 'Hi << firstName >>!', 'Hi Zoë!'],
    ['the name differs in case', 'Hi <<FIRSTNAME>>', 'Hi Zoë'],
    ['the formatter is currency', 'You owe <<balance|currency>>', 'You owe £1,250.50'],
    ['the formatter is number', '<<balance|number>> points', '1,250.5 points'],
    ['the formatter is date on an ISO date', 'Due <<due|date>>', 'Due 14 December 2026'],
    ['the formatter is date on a UK date', 'Due <<ukDate|date>>', 'Due 14 February 2027'],
    ['a UTC time is already the next day in London', 'On <<dueAt|date>>', 'On 1 July 2026'],
    ['the formatter is upper', '<<firstName|upper>>', 'ZOË'],
    ['the formatter is lower', '<<city|lower>> / <<firstName|lower>>', 'münchen / zoë'],
    ['a field is absent but has a fallback', 'Hi <<nickname>>', 'Hi friend'],
    ['a value is blank, so the fallback is used', 'Hi <<blank>>', 'Hi friend'],
    ['a currency value is not a number, so the fallback is used as written', 'Owed: <<notNumber|currency>>', 'Owed: your balance'],
    ['there are no placeholders', 'Plain text', 'Plain text'],
  ];

  it.each(cases)('when %s, then it renders', (_when, template, expected) => {
    const fallbacks = { nickname: 'friend', blank: 'friend', notNumber: 'your balance' };
    expect(render(template, fields, ctx, fallbacks)).toEqual({ text: expected });
  });

  it('when a fallback is deliberately empty, then the placeholder is dropped', () => {
    expect(render('Hi <<title>>Ann', {}, ctx, { title: '' })).toEqual({ text: 'Hi Ann' });
  });

  it('when a placeholder has no value and no fallback, then every missing name is reported and nothing is rendered', () => {
    expect(render('Hi <<nickname>>, you owe <<debt|currency>> <<nickname>>', fields, ctx)).toEqual({ missing: ['nickname', 'debt'] });
  });

  it('when a currency value is not a number and there is no fallback, then it is missing', () => {
    expect(render('<<notNumber|currency>>', fields, ctx)).toEqual({ missing: ['notNumber'] });
  });

  it('when a placeholder is left unclosed, then it is reported rather than sent', () => {
    expect(render('Hi <<firstName', fields, ctx)).toEqual({ missing: ['<<'] });
  });

  it('when a value itself contains placeholder brackets, then they are not emitted', () => {
    const out = render('You said: <<answer>>', { answer: 'pay <<balance>> now' }, ctx);
    expect(out).toEqual({ text: 'You said: pay balance now' });
  });

  it('when the org uses euros and German, then currency follows the org', () => {
    const de = { ...ctx, locale: 'de-DE', currency: 'EUR' };
    expect(render('<<balance|currency>>', fields, de)).toEqual({ text: expect.stringMatching(/^1\.250,50\s€$/) });
  });

  it('when the org currency code is bogus, then the value counts as missing rather than throwing', () => {
    expect(render('<<balance|currency>>', fields, { ...ctx, currency: 'NOT A CODE' })).toEqual({ missing: ['balance'] });
  });

  it('when rendering loosely for a note, then missing values become empty and no brackets remain', () => {
    expect(renderLoose('Promise <<amount|currency>> by <<firstName>> <<oops', fields, ctx)).toBe('Promise  by Zoë oops');
  });
});
