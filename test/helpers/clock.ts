import { addDays, type CalendarDate } from '../../workflows/journey/calendar';
import { zonedToEpoch } from '../../workflows/journey/zone';

const MINUTE = 60_000;

/** A UTC send window from `from` to `to` hours after `now`, to the minute. */
export const windowAround = (from: number, to: number) => (now: number) => {
  const hhmm = (hours: number) => new Date(now + hours * 3_600_000).toISOString().slice(11, 16);
  return { timeZone: 'UTC', sendWindow: { start: hhmm(from), end: hhmm(to) } };
};

/**
 * Every `stepMinutes` through each local day of `days` ("YYYY-MM-DD") in
 * `timeZone`, from its midnight to the next: 23 or 25 hours on DST days.
 */
export function dayInstants(days: string[], timeZone: string, stepMinutes: number): number[] {
  const out: number[] = [];
  for (const iso of days) {
    const [year, month, day] = iso.split('-').map(Number);
    const date: CalendarDate = { year, month, day };
    const end = zonedToEpoch(addDays(date, 1), 0, timeZone);
    for (let t = zonedToEpoch(date, 0, timeZone); t < end; t += stepMinutes * MINUTE) out.push(t);
  }
  return out;
}
