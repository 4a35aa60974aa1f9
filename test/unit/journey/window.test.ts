import { nextSendTime, type SendWindow } from '../../../workflows/journey';
import { LONDON } from './helpers';

const MON_SAT: SendWindow = { days: [1, 2, 3, 4, 5, 6], start: '09:00', end: '20:00' };
const at = (iso: string) => Date.parse(iso);

describe('nextSendTime', () => {
  const cases: [string, string, SendWindow | undefined, string, string][] = [
    ['it is midday on a Tuesday in winter', '2026-03-10T12:00:00Z', MON_SAT, LONDON, '2026-03-10T12:00:00Z'],
    ['it is before opening', '2026-03-10T07:00:00Z', MON_SAT, LONDON, '2026-03-10T09:00:00Z'],
    ['it is exactly closing time', '2026-03-10T20:00:00Z', MON_SAT, LONDON, '2026-03-11T09:00:00Z'],
    ['it is Saturday night, so Sunday is skipped', '2026-03-14T21:00:00Z', MON_SAT, LONDON, '2026-03-16T09:00:00Z'],
    ['the clocks go forward over the weekend', '2026-03-28T21:00:00Z', MON_SAT, LONDON, '2026-03-30T08:00:00Z'],
    ['it is 08:30 in British summer time', '2026-07-01T07:30:00Z', MON_SAT, LONDON, '2026-07-01T08:00:00Z'],
    ['it is 09:30 in British summer time', '2026-07-01T08:30:00Z', MON_SAT, LONDON, '2026-07-01T08:30:00Z'],
    ['it is 19:30 in summer time, 20:30 UTC would be wrong', '2026-07-01T18:30:00Z', MON_SAT, LONDON, '2026-07-01T18:30:00Z'],
    ['the clocks go back over the weekend', '2026-10-24T19:30:00Z', MON_SAT, LONDON, '2026-10-26T09:00:00Z'],
    ['Sunday is given as 0', '2026-03-15T10:00:00Z', { days: [0], start: '09:00', end: '17:00' }, LONDON, '2026-03-15T10:00:00Z'],
    ['Sunday is given as 7', '2026-03-15T10:00:00Z', { days: [7], start: '09:00', end: '17:00' }, LONDON, '2026-03-15T10:00:00Z'],
    [
      'an overnight window is open after midnight',
      '2026-03-11T02:00:00Z',
      { start: '20:00', end: '08:00' },
      LONDON,
      '2026-03-11T02:00:00Z',
    ],
    ['an overnight window is closed at midday', '2026-03-11T12:00:00Z', { start: '20:00', end: '08:00' }, LONDON, '2026-03-11T20:00:00Z'],
    [
      'the org is in New York on its DST day',
      '2026-03-08T12:00:00Z',
      { start: '09:00', end: '17:00' },
      'America/New_York',
      '2026-03-08T13:00:00Z',
    ],
    [
      'the window opens just after New York springs forward',
      '2026-03-08T05:00:00Z',
      { start: '03:00', end: '17:00' },
      'America/New_York',
      '2026-03-08T07:00:00Z',
    ],
    ['there is no window', '2026-03-10T03:00:00Z', undefined, LONDON, '2026-03-10T03:00:00Z'],
    ['the window is unreadable', '2026-03-10T03:00:00Z', { start: 'nine', end: '20:00' }, LONDON, '2026-03-10T03:00:00Z'],
  ];

  it.each(cases)('when %s, then sending may start at the expected instant', (_when, now, window, zone, expected) => {
    expect(new Date(nextSendTime(at(now), window, zone)).toISOString()).toBe(new Date(at(expected)).toISOString());
  });
});
