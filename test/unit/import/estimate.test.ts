import { type EstimateInput, estimateSending } from '../../../platform/import/estimate';

const at = (iso: string) => Date.parse(iso);
// Monday 7 December 2026; London is on UTC in December, New York five hours behind.
const MONDAY_10 = at('2026-12-07T10:00:00Z');
const officeHours = { start: '09:00', end: '17:00' };

describe('estimating a campaign’s sending', () => {
  it.each<[string, EstimateInput, { startsAt: string; completesAt: string; seconds: number; ratePerSecond: number }]>([
    [
      'no window and no start time: from now at the channel rate',
      { now: MONDAY_10, recipients: { 'Europe/London': 600 }, ratePerSecond: 10 },
      { startsAt: '2026-12-07T10:00:00.000Z', completesAt: '2026-12-07T10:01:00.000Z', seconds: 60, ratePerSecond: 10 },
    ],
    [
      'a throttle slower than the channel sets the pace',
      { now: MONDAY_10, recipients: { 'Europe/London': 120 }, ratePerSecond: 10, ratePerMinute: 60 },
      { startsAt: '2026-12-07T10:00:00.000Z', completesAt: '2026-12-07T10:02:00.000Z', seconds: 120, ratePerSecond: 1 },
    ],
    [
      'a start time to come: from then',
      { now: MONDAY_10, startAt: at('2026-12-07T12:30:00Z'), recipients: { 'Europe/London': 10 }, ratePerSecond: 1 },
      { startsAt: '2026-12-07T12:30:00.000Z', completesAt: '2026-12-07T12:30:10.000Z', seconds: 10, ratePerSecond: 1 },
    ],
    [
      'a start time past: from now',
      { now: MONDAY_10, startAt: at('2026-12-01T08:00:00Z'), recipients: { 'Europe/London': 10 }, ratePerSecond: 1 },
      { startsAt: '2026-12-07T10:00:00.000Z', completesAt: '2026-12-07T10:00:10.000Z', seconds: 10, ratePerSecond: 1 },
    ],
    [
      'a start outside the window: from its next opening',
      { now: at('2026-12-07T20:00:00Z'), recipients: { 'Europe/London': 60 }, ratePerSecond: 1, sendWindow: officeHours },
      { startsAt: '2026-12-08T09:00:00.000Z', completesAt: '2026-12-08T09:01:00.000Z', seconds: 60, ratePerSecond: 1 },
    ],
    [
      'the window closes midway: the rest goes the next morning, the closed hours counted',
      { now: at('2026-12-07T16:59:00Z'), recipients: { 'Europe/London': 120 }, ratePerSecond: 1, sendWindow: officeHours },
      { startsAt: '2026-12-07T16:59:00.000Z', completesAt: '2026-12-08T09:01:00.000Z', seconds: 16 * 3600 + 120, ratePerSecond: 1 },
    ],
    [
      'weekdays only: a Friday evening goes on on Monday',
      {
        now: at('2026-12-11T16:59:00Z'),
        recipients: { 'Europe/London': 120 },
        ratePerSecond: 1,
        sendWindow: { ...officeHours, days: [1, 2, 3, 4, 5] },
      },
      { startsAt: '2026-12-11T16:59:00.000Z', completesAt: '2026-12-14T09:01:00.000Z', seconds: 64 * 3600 + 120, ratePerSecond: 1 },
    ],
    [
      'recipients in two zones: each in their own hours',
      {
        now: at('2026-12-07T09:00:00Z'),
        recipients: { 'Europe/London': 100, 'America/New_York': 100 },
        ratePerSecond: 1,
        sendWindow: officeHours,
      },
      { startsAt: '2026-12-07T09:00:00.000Z', completesAt: '2026-12-07T14:01:40.000Z', seconds: 5 * 3600 + 100, ratePerSecond: 1 },
    ],
    [
      'the org’s window applies as well, in the org’s zone',
      {
        now: at('2026-12-07T09:00:00Z'),
        recipients: { 'Europe/London': 60 },
        ratePerSecond: 1,
        sendWindow: officeHours,
        org: { window: { start: '11:00', end: '12:00' }, timeZone: 'Europe/London' },
      },
      { startsAt: '2026-12-07T11:00:00.000Z', completesAt: '2026-12-07T11:01:00.000Z', seconds: 60, ratePerSecond: 1 },
    ],
  ])('when %s', (_name, input, expected) => {
    expect(estimateSending(input)).toMatchObject(expected);
  });

  it('when there are no recipients, then it starts and ends at the start', () => {
    expect(estimateSending({ now: MONDAY_10, recipients: {}, ratePerSecond: 5 })).toEqual({
      ratePerSecond: 5,
      startsAt: '2026-12-07T10:00:00.000Z',
      completesAt: '2026-12-07T10:00:00.000Z',
      seconds: 0,
      sendingSeconds: 0,
    });
  });

  it('when sending alone is asked, then sendingSeconds leaves the closed hours out', () => {
    const e = estimateSending({
      now: at('2026-12-07T16:59:00Z'),
      recipients: { 'Europe/London': 120 },
      ratePerSecond: 1,
      sendWindow: officeHours,
    });
    expect(e.sendingSeconds).toBe(120);
  });
});
