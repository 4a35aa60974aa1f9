// The inputs the workflow and integration tests give the journey engine, tried
// every half hour of ordinary, DST, year-end and leap days: what they
// expect must hold whatever the time of day when the suite runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Input, type Journey, validateJourney } from '../../../workflows/journey';
import { addDays } from '../../../workflows/journey/calendar';
import { nextSendTime } from '../../../workflows/journey/window';
import { todayIn, zonedToEpoch } from '../../../workflows/journey/zone';
import { dayInstants, windowAround } from '../../helpers/clock';
import { HOUR, MINUTE, ctxAt, play, reply } from './helpers';

const DAYS = ['2026-11-23', '2026-03-29', '2026-10-25', '2026-12-31', '2028-02-29'];
const ZONES = ['Europe/London', 'Pacific/Kiritimati', 'Pacific/Niue', 'America/New_York'];
const REMINDER = 'Reminder: your payment of £50.00 is due tomorrow. Pay here: https://pay.example.com/ACC123';

const collections: Journey = (() => {
  const raw = JSON.parse(readFileSync(join(__dirname, '../../../samples/journeys/collections.json'), 'utf8'));
  const result = validateJourney(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.journey;
})();

/** The samples integration test's conversation, from `start`; play() moves the clock a minute per input. */
function promise(start: number, timeZone: string, when: string) {
  const contact = { firstName: 'Aoife', dob: '1985-02-14', postcode: 'SW1A 1AA', accountRef: 'ACC123' };
  const script: Input[] = [
    reply('14 Feb 1985'),
    reply('sw1a1aa'),
    { kind: 'enriched', values: { balance: '1250.5', dueDate: '2026-12-31' } },
    reply('2'),
    reply(when),
    reply('£50'),
  ];
  const p = play(collections, ctxAt(new Date(start).toISOString(), contact, timeZone), script);
  const dateReadAt = start + 5 * MINUTE;
  return { p, dayBeforeAt10: (days: number) => zonedToEpoch(addDays(todayIn(dateReadAt, timeZone), days - 1), 10 * 60, timeZone) };
}

const cases = ZONES.flatMap((zone) => dayInstants(DAYS, zone, 30).map((t) => [zone, t] as const));

describe('time of day: the sample promise to pay', () => {
  it('sweeps every half hour of 23-, 24- and 25-hour days in four zones', () => {
    expect(dayInstants(['2026-03-29', '2026-10-25', '2026-11-23'], 'Europe/London', 15).length).toBe(92 + 100 + 96);
    expect(cases.length).toBeGreaterThan(950);
  });

  it('when the promise is "today", then at every time of day the reminder goes at once and the journey ends', () => {
    for (const [zone, t] of cases) {
      const { p } = promise(t, zone, 'today');
      expect([p.sends.at(-1), p.last.wait.kind, p.outcomes]).toEqual([REMINDER, 'end', ['Promise to pay']]);
    }
  });

  it('when the promise is "day after tomorrow", then at every time of day it waits until 10:00 local the day before', () => {
    for (const [zone, t] of cases) {
      const { p, dayBeforeAt10 } = promise(t, zone, 'day after tomorrow');
      expect(p.last.wait).toEqual({ kind: 'until', stepId: 'beforePromise', at: dayBeforeAt10(2) });
      expect(p.last.wait.kind === 'until' && p.last.wait.at > p.now).toBe(true);
      expect(p.sends).not.toContain(REMINDER);
    }
  });

  // Why the integration test must not promise "tomorrow": the outcome turns on the hour.
  it('when the promise is "tomorrow", then it waits exactly when the answer comes before 10:00 local', () => {
    let waited = 0;
    for (const [zone, t] of cases) {
      const { p, dayBeforeAt10 } = promise(t, zone, 'tomorrow');
      const waits = dayBeforeAt10(1) > p.now;
      expect(p.last.wait).toEqual(waits ? { kind: 'until', stepId: 'beforePromise', at: dayBeforeAt10(1) } : { kind: 'end' });
      waited += waits ? 1 : 0;
    }
    expect(waited).toBeGreaterThan(cases.length / 3);
    expect(waited).toBeLessThan(cases.length / 2);
  });
});

describe('time of day: the send windows of the workflow tests', () => {
  const minutes = dayInstants(DAYS, 'UTC', 5);

  it('when the window runs from an hour before to an hour after now, then at every five minutes it is open', () => {
    expect(minutes.filter((t) => nextSendTime(t, windowAround(-1, 1)(t).sendWindow, 'UTC') !== t)).toEqual([]);
  });

  it('when the window opens two hours from now, then at every five minutes it is closed for at least the next hour', () => {
    expect(minutes.filter((t) => nextSendTime(t, windowAround(2, 3)(t).sendWindow, 'UTC') < t + HOUR)).toEqual([]);
  });
});
