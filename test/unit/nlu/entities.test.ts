import { matchAnswer } from '../../../workflows/journey/match';
import { matchEmail } from '../../../workflows/journey/match/email';
import { matchOrdinal } from '../../../workflows/journey/match/ordinal';
import { matchPhone } from '../../../workflows/journey/match/phone';
import { matchPostcode } from '../../../workflows/journey/match/postcode';

describe('email addresses', () => {
  it.each([
    ['j.doe@example.co.uk', 'j.doe@example.co.uk'],
    ['my email is J.Doe@Example.co.uk thanks', 'j.doe@example.co.uk'],
    ['its john_smith+bills@gmail.com', 'john_smith+bills@gmail.com'],
    ['mary @ hotmail.com', 'mary@hotmail.com'],
    ["send it to sean.o'brien@eircom.net.", "sean.o'brien@eircom.net"],
    ['email: maría@correo.es', 'maría@correo.es'],
    ['jdoe@example .com', 'jdoe@example.com'],
  ])('%s → %s', (text, email) => expect(matchEmail(text)).toBe(email));

  it.each(['no email sorry', 'john at gmail dot com', '@home now', 'me@localhost', 'a..b@x..com'])('%s has none', (text) =>
    expect(matchEmail(text)).toBeUndefined(),
  );
});

describe('phone numbers', () => {
  it.each([
    ['+44 7911 123456', 'en-GB', '+447911123456'],
    ['call me on 07911 123456', 'en-GB', '+447911123456'],
    ['07911123456', 'en-GB', '+447911123456'],
    ['my number is (020) 7946 0018', 'en-GB', '+442079460018'],
    ['0044 7911 123 456', 'en-GB', '+447911123456'],
    ['087 123 4567', 'en-IE', '+353871234567'],
    ['612 34 56 78', 'es-ES', '+34612345678'],
    ['+1 (415) 555-2671', 'en-GB', '+14155552671'],
  ])('%s in %s → %s', (text, locale, phone) => expect(matchPhone(text, locale)).toBe(phone));

  it.each(['I owe 1250', 'ref 12345', 'no phone'])('%s has none', (text) => expect(matchPhone(text, 'en-GB')).toBeUndefined());
});

describe('UK postcodes', () => {
  it.each([
    ['sw1a 1aa', 'SW1A 1AA'],
    ['SW1A1AA', 'SW1A 1AA'],
    ['its M1 1AE', 'M1 1AE'],
    ['B33 8TH.', 'B33 8TH'],
    ['cr2 6xh please', 'CR2 6XH'],
    ['postcode is dn55  1pt', 'DN55 1PT'],
    ['EC1A 1BB', 'EC1A 1BB'],
    ['W1A 0AX', 'W1A 0AX'],
    ['gir 0aa', 'GIR 0AA'],
  ])('%s → %s', (text, postcode) => expect(matchPostcode(text)).toBe(postcode));

  it.each(['12345', 'Q1 1AA', 'SW1A 1A', 'I will pay 1st', 'ABC123'])('%s has none', (text) => expect(matchPostcode(text)).toBeUndefined());
});

describe('ordinals', () => {
  it.each([
    ['first', '1'],
    ['the 2nd one', '2'],
    ['third', '3'],
    ['3rd please', '3'],
    ['twenty-first', '21'],
    ['the twenty first', '21'],
    ['the 22nd', '22'],
    ['Fourth', '4'],
    ['frist', '1'],
    ['el segundo', '2'],
    ['la 1a', '1'],
    ['le premier', '1'],
    ['2ème', '2'],
  ])('%s → %s', (text, n) => expect(matchOrdinal(text)).toBe(n));

  it.each(['one', '2', 'the first or the second', 'none of them'])('%s has none', (text) => expect(matchOrdinal(text)).toBeUndefined());
});

describe('entity matchers', () => {
  const ctx = { now: 0, timeZone: 'UTC', locale: 'en-GB' };
  it('save the normalised value', () => {
    expect(matchAnswer({ email: true }, 'J.Doe@example.co.uk', ctx)).toEqual({ value: 'j.doe@example.co.uk' });
    expect(matchAnswer({ phone: true }, '+44 7911 123456', ctx)).toEqual({ value: '+447911123456' });
    expect(matchAnswer({ postcode: true }, 'sw1a 1aa', ctx)).toEqual({ value: 'SW1A 1AA' });
    expect(matchAnswer({ ordinal: true }, 'the 2nd', ctx)).toEqual({ value: '2' });
    expect(matchAnswer({ postcode: true }, 'dunno', ctx)).toBeUndefined();
  });
});
