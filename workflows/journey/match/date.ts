import {
  addDays,
  type CalendarDate,
  compareDates,
  daysBetween,
  isValidDate,
  resolveYear,
  toIso,
  weekday,
  weekdayNumber,
} from '../calendar';
import { parseWrittenDate } from '../parse-date';
import { fold } from '../text';
import { todayIn } from '../zone';

export interface DateRule {
  /** Only dates from today up to this many days ahead match. */
  maxDays?: number;
}

const RELATIVE: Record<string, number> = { today: 0, tonight: 0, tomorrow: 1, tmrw: 1, tmr: 1, tomoz: 1 };
const MAX_PHRASE_WORDS = 4;
const MAX_WORDS = 300;

const FULL_DAY_NAME = /day$/;

function relative(phrase: string, today: CalendarDate, whole: boolean): CalendarDate | undefined {
  if (Object.hasOwn(RELATIVE, phrase)) return addDays(today, RELATIVE[phrase]);
  if (phrase === 'day after tomorrow') return addDays(today, 2);
  const inDays = /^in (\d{1,3}|a) (day|days|week|weeks)$/.exec(phrase);
  if (inDays) {
    const n = inDays[1] === 'a' ? 1 : Number(inDays[1]);
    return addDays(today, inDays[2].startsWith('week') ? n * 7 : n);
  }
  const day = /^(?:(this|next|on) )?([a-z]+)$/.exec(phrase);
  const target = day ? weekdayNumber(day[2]) : undefined;
  if (!day || target === undefined) return undefined;
  // "sat" or "sun" inside a sentence is more likely a verb than a day.
  if (!day[1] && !whole && !FULL_DAY_NAME.test(day[2])) return undefined;
  // "friday" on a Friday means today; "next friday" always means a later day.
  const ahead = (target - weekday(today) + 7) % 7;
  return addDays(today, ahead === 0 && day[1] === 'next' ? 7 : ahead);
}

function absolute(phrase: string, today: CalendarDate): CalendarDate | undefined {
  const w = parseWrittenDate(phrase);
  if (!w) return undefined;
  if (w.year !== undefined) {
    const year = w.twoDigitYear ? resolveYear(w.year, today.year + 50) : w.year;
    return isValidDate(year, w.month, w.day) ? { year, month: w.month, day: w.day } : undefined;
  }
  // No year: the next time that day comes round, counting today.
  for (const year of [today.year, today.year + 1]) {
    const date = { year, month: w.month, day: w.day };
    if (isValidDate(year, w.month, w.day) && compareDates(date, today) >= 0) return date;
  }
  return undefined;
}

/** Runs of one to four words, longest first. */
function phrases(text: string): string[] {
  const tokens = fold(text)
    .split(/\s+/)
    .map((t) => t.replace(/^[("'“]+|[)"'”!?,;:]+$|\.+$/g, ''))
    .filter((t) => t.length > 0)
    .slice(0, MAX_WORDS);
  const out: string[] = [];
  for (let size = Math.min(MAX_PHRASE_WORDS, tokens.length); size >= 1; size--) {
    for (let i = 0; i + size <= tokens.length; i++) out.push(tokens.slice(i, i + size).join(' '));
  }
  return out;
}

/**
 * The first date written in an answer as "YYYY-MM-DD", read in the org's time
 * zone: "14/12", "12th Dec", "Dec 12", "tomorrow", "next friday", "2026-12-14".
 */
export function matchDate(rule: DateRule | true, text: string, now: number, timeZone: string): string | undefined {
  const today = todayIn(now, timeZone);
  const all = phrases(text);
  for (const phrase of all) {
    const date = relative(phrase, today, all.length === 1) ?? absolute(phrase, today);
    if (!date) continue;
    if (rule !== true && rule.maxDays !== undefined) {
      const ahead = daysBetween(today, date);
      if (ahead < 0 || ahead > rule.maxDays) return undefined;
    }
    return toIso(date);
  }
  return undefined;
}
