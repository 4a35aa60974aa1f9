import { type CalendarDate, isValidDate, resolveYear } from './calendar';
import { parseWrittenDate } from './parse-date';
import { todayIn, zonedTime, zonedToEpoch } from './zone';

/** A date read from a field; `epoch` is set when the value also had a time. */
export interface FieldDate {
  date: CalendarDate;
  epoch?: number;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a date or date-time from a contact, enrichment or variable value.
 * A date-time without an offset is taken as wall-clock time in `timeZone`.
 */
export function parseFieldDate(value: string, timeZone: string, now: number): FieldDate | undefined {
  const m = ISO_TIME.exec(value.trim());
  if (m) {
    const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    if (!isValidDate(date.year, date.month, date.day)) return undefined;
    const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    if (m[7]) {
      const zone = m[7].toUpperCase() === 'Z' ? 'Z' : m[7].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
      const epoch = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${String(second).padStart(2, '0')}${zone}`);
      return Number.isNaN(epoch) ? undefined : { date: todayIn(epoch, timeZone), epoch };
    }
    return { date, epoch: zonedToEpoch(date, hour * 60 + minute, timeZone) + second * 1000 };
  }
  const w = parseWrittenDate(value);
  if (!w || w.year === undefined) return undefined;
  const year = w.twoDigitYear ? resolveYear(w.year, zonedTime(now, timeZone).year + 50) : w.year;
  return isValidDate(year, w.month, w.day) ? { date: { year, month: w.month, day: w.day } } : undefined;
}
