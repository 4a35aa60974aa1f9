import { monthNumber, weekdayNumber } from './calendar';
import { fold } from './text';

/** A written date; `year` is absent when not given and may have two digits. */
export interface WrittenDate {
  year?: number;
  twoDigitYear?: boolean;
  month: number;
  day: number;
}

const SEP = '[\\s/.\\-]+';
const YEAR = '(\\d{4}|\\d{2})';
const YEAR_FIRST = new RegExp(`^(\\d{4})[/.\\-](\\d{1,2})[/.\\-](\\d{1,2})(?:[t\\s].*)?$`);
const DAY_MONTH = new RegExp(`^(\\d{1,2})${SEP}(\\d{1,2})(?:${SEP}${YEAR})?$`);
const DAY_NAME = new RegExp(`^(\\d{1,2})${SEP}([a-z]+)(?:${SEP}${YEAR})?$`);
const NAME_DAY = new RegExp(`^([a-z]+)${SEP}(\\d{1,2})(?:${SEP}${YEAR})?$`);
const COMPACT = /^(\d{2})(\d{2})(\d{4}|\d{2})$/;

function tidy(text: string): string {
  let t = fold(text)
    .replace(/,/g, ' ')
    .replace(/(\d)(st|nd|rd|th)\b/g, '$1')
    .replace(/\b(of|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?]+$/, '');
  const first = t.split(' ')[0];
  if (weekdayNumber(first) !== undefined && t.includes(' ')) t = t.slice(first.length + 1);
  return t;
}

function written(day: string, month: number | undefined, year?: string): WrittenDate | undefined {
  if (month === undefined) return undefined;
  const out: WrittenDate = { day: Number(day), month };
  if (year !== undefined) {
    out.year = Number(year);
    out.twoDigitYear = year.length === 2;
  }
  return out;
}

/**
 * Reads an absolute date, day first as in the UK: "14/12", "14-2-85", "14 Feb 1985",
 * "Dec 12th", "1985-02-14", "14.02.1985"; `compact` also allows "14021985".
 * The calendar check is left to the caller, which knows how to resolve the year.
 */
export function parseWrittenDate(text: string, compact = false): WrittenDate | undefined {
  const t = tidy(text);
  let m = YEAR_FIRST.exec(t);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if ((m = DAY_MONTH.exec(t))) return written(m[1], Number(m[2]), m[3]);
  if ((m = DAY_NAME.exec(t))) return written(m[1], monthNumber(m[2]), m[3]);
  if ((m = NAME_DAY.exec(t))) return written(m[2], monthNumber(m[1]), m[3]);
  if (compact && (m = COMPACT.exec(t))) return written(m[1], Number(m[2]), m[3]);
  return undefined;
}
