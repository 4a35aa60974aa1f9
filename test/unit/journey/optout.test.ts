import { optOutKeyword, parseDuration } from '../../../workflows/journey';

describe('optOutKeyword', () => {
  const cases: [string, 'stop' | 'start' | null][] = [
    ['STOP', 'stop'],
    ['stop', 'stop'],
    [' Stop. ', 'stop'],
    ['STOPALL', 'stop'],
    ['stop all', 'stop'],
    ['Unsubscribe!', 'stop'],
    ['cancel', 'stop'],
    ['END', 'stop'],
    ['quit', 'stop'],
    ['"STOP"', 'stop'],
    ['START', 'start'],
    ['unstop', 'start'],
    ['Start!', 'start'],
    ['please stop', null],
    ['stop it', null],
    ['stopping', null],
    ['', null],
    ['🛑', null],
    ['cancel my appointment', null],
  ];
  it.each(cases)('when the message is %p, then the keyword is %p', (text, expected) => {
    expect(optOutKeyword(text)).toBe(expected);
  });
});

describe('parseDuration', () => {
  const cases: [string | number, boolean, number | undefined][] = [
    ['10s', false, 10_000],
    ['5m', false, 300_000],
    ['24h', false, 86_400_000],
    ['3d', false, 259_200_000],
    ['1w', false, 604_800_000],
    ['1.5h', false, 5_400_000],
    [90, false, 90_000],
    ['-3d', true, -259_200_000],
    ['-3d', false, undefined],
    ['soon', false, undefined],
    ['', false, undefined],
    [-5, false, undefined],
  ];
  it.each(cases)('when the duration is %p (signed: %p), then it is %p ms', (value, signed, expected) => {
    expect(parseDuration(value, signed)).toBe(expected);
  });
});
