import type { CalendarDate } from './calendar';

/** A wall-clock time in some time zone. */
export interface ZonedTime extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    };
    try {
      f = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      // An unknown zone must not crash a conversation; org settings are validated elsewhere.
      f = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at `epochMs` in `timeZone`. */
export function zonedTime(epochMs: number, timeZone: string): ZonedTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour === 24 ? 0 : parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

export function todayIn(epochMs: number, timeZone: string): CalendarDate {
  const { year, month, day } = zonedTime(epochMs, timeZone);
  return { year, month, day };
}

function offsetAt(epochMs: number, timeZone: string): number {
  const t = zonedTime(epochMs, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a wall clock in `timeZone` shows `date` at `minutes` past midnight.
 * A time skipped by a DST change resolves to the same wall time plus the jump.
 */
export function zonedToEpoch(date: CalendarDate, minutes: number, timeZone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const first = offsetAt(guess, timeZone);
  const epoch = guess - first;
  const second = offsetAt(epoch, timeZone);
  return second === first ? epoch : guess - second;
}

/** Minutes past midnight for "HH:MM", or undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  return h <= 24 && min < 60 && h * 60 + min <= 24 * 60 ? h * 60 + min : undefined;
}
