import { type CalendarDate, isValidDate, resolveYear } from './calendar';
import { parseWrittenDate } from './parse-date';

export type IdvCompare = 'dob' | 'postcode' | 'exact';

/** A date of birth in any common UK form; a two-digit year is the latest not after `thisYear`. */
export function parseDob(text: string, thisYear: number): CalendarDate | undefined {
  const w = parseWrittenDate(text, true);
  if (!w || w.year === undefined) return undefined;
  const year = w.twoDigitYear ? resolveYear(w.year, thisYear) : w.year;
  return isValidDate(year, w.month, w.day) ? { year, month: w.month, day: w.day } : undefined;
}

export function sameDob(answer: string, expected: string, thisYear: number): boolean {
  const a = parseDob(answer, thisYear);
  const b = parseDob(expected, thisYear);
  return !!a && !!b && a.year === b.year && a.month === b.month && a.day === b.day;
}

export function samePostcode(answer: string, expected: string): boolean {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return norm(answer) !== '' && norm(answer) === norm(expected);
}

export function sameExact(answer: string, expected: string): boolean {
  return answer.trim() !== '' && answer.trim().toLowerCase() === expected.trim().toLowerCase();
}

/** True when the customer's answer matches the contact's value. */
export function compareIdv(kind: IdvCompare, answer: string, expected: string, thisYear: number): boolean {
  if (kind === 'dob') return sameDob(answer, expected, thisYear);
  if (kind === 'postcode') return samePostcode(answer, expected);
  return sameExact(answer, expected);
}
