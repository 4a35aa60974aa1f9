import { campaignSchema } from '../../../api/routes/campaigns';
import { recipientZone } from '../../../platform/recipient-zone';
import { nextSendTimeInAll } from '../../../workflows/journey/window';
import { THROTTLE_PERIOD_MS, throttle } from '../../../workflows/throttle';

const at = (iso: string) => Date.parse(iso);

describe('recipientZone', () => {
  it.each([
    ['a UK mobile', '+447911123456', 'Europe/London'],
    ['a French number', '+33612345678', 'Europe/Paris'],
    ['a WhatsApp address of an Indian number', 'whatsapp:+919812345678', 'Asia/Kolkata'],
    ['a US number, whose country has many zones', '+12125551234', 'Pacific/Auckland'],
    ['a web chat visitor id, not a phone number', 'visitor-42', 'Pacific/Auckland'],
  ])('when the address is %s (%s), then the zone is %s', (_what, address, zone) => {
    expect(recipientZone(address, 'Pacific/Auckland')).toBe(zone);
  });
});

describe('nextSendTimeInAll', () => {
  const weekdays = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] };
  it('when both windows are open, then now', () => {
    const now = at('2026-03-10T12:00:00Z');
    expect(nextSendTimeInAll(now, [{ window: weekdays, timeZone: 'Europe/London' }, { timeZone: 'UTC' }])).toBe(now);
  });
  it("when the org's window is open but the recipient's is not, then the recipient's opening", () => {
    // 08:00 in London is 17:00 in Tokyo.
    const windows = [
      { window: { start: '08:00', end: '18:00' }, timeZone: 'Europe/London' },
      { window: weekdays, timeZone: 'Asia/Tokyo' },
    ];
    expect(nextSendTimeInAll(at('2026-03-10T08:00:00Z'), windows)).toBe(at('2026-03-10T08:00:00Z'));
    expect(nextSendTimeInAll(at('2026-03-10T12:00:00Z'), windows)).toBe(at('2026-03-11T08:00:00Z'));
  });
  it('when the windows never overlap, then it gives up on a time rather than loop', () => {
    const windows = [
      { window: { start: '09:00', end: '10:00' }, timeZone: 'UTC' },
      { window: { start: '11:00', end: '12:00' }, timeZone: 'UTC' },
    ];
    expect(Number.isFinite(nextSendTimeInAll(at('2026-03-10T12:00:00Z'), windows))).toBe(true);
  });
});

describe('throttle', () => {
  const now = 1_000_000;
  it('when fewer than the rate started in the last minute, then the rest may start now', () => {
    expect(throttle([now - 70_000, now - 30_000], now, 3)).toEqual({ recent: [now - 30_000], allowance: 2, nextAt: now });
  });
  it('when the rate is used up, then the next start waits for the oldest to leave the minute', () => {
    const recent = [now - 50_000, now - 40_000, now - 10_000];
    expect(throttle(recent, now, 3)).toEqual({ recent, allowance: 0, nextAt: now - 50_000 + THROTTLE_PERIOD_MS });
  });
  it('when a start is exactly a minute old, then it no longer counts', () => {
    expect(throttle([now - 60_000], now, 1).allowance).toBe(1);
  });
});

describe('campaign controls in the body', () => {
  const schema = campaignSchema({ MAX_JSON_CONTACTS: 10, MAX_CONTACT_FIELDS: 10, MAX_FIELD_CHARS: 100 });
  const base = { journeyId: 'j', channelId: 'c', contacts: [{ address: '+447911123456' }] };
  const fields = (body: object) => {
    const r = schema.safeParse({ ...base, ...body });
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  it('accepts a start time with an offset, a rate and a window', () => {
    expect(
      fields({ startAt: '2026-12-01T09:00:00+01:00', ratePerMinute: 60, sendWindow: { from: '09:00', to: '20:00', days: [1, 7] } }),
    ).toEqual([]);
  });
  it.each([
    ['a start time without an offset', { startAt: '2026-12-01T09:00:00' }, 'startAt'],
    ['a start time that is not a date', { startAt: 'tomorrow' }, 'startAt'],
    ['a start time years ahead', { startAt: '2999-01-01T00:00:00Z' }, 'startAt'],
    ['a rate of zero', { ratePerMinute: 0 }, 'ratePerMinute'],
    ['a window hour of 25', { sendWindow: { from: '25:00', to: '20:00' } }, 'sendWindow.from'],
    ['a day 0', { sendWindow: { from: '09:00', to: '20:00', days: [0] } }, 'sendWindow.days.0'],
  ])('rejects %s, naming the field', (_what, body, field) => {
    expect(fields(body)).toEqual([field]);
  });
});
