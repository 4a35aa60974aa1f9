import type { RunContext } from './types';
import { parseFieldDate } from './field-date';
import { readAmount } from './match/number';

export type FormatContext = Pick<RunContext, 'now' | 'timeZone' | 'locale' | 'currency'>;

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f as T;
}

function currency(value: string, ctx: FormatContext): string | undefined {
  const n = readAmount(value);
  if (n === undefined) return undefined;
  return cached(
    `c:${ctx.locale}:${ctx.currency}`,
    () => new Intl.NumberFormat(ctx.locale, { style: 'currency', currency: ctx.currency }),
  ).format(n);
}

function number(value: string, ctx: FormatContext): string | undefined {
  const n = readAmount(value);
  return n === undefined ? undefined : cached(`n:${ctx.locale}`, () => new Intl.NumberFormat(ctx.locale)).format(n);
}

function date(value: string, ctx: FormatContext): string | undefined {
  const parsed = parseFieldDate(value, ctx.timeZone, ctx.now);
  if (!parsed) return undefined;
  const { year, month, day } = parsed.date;
  // The calendar date is already in the org's zone; formatting it at UTC noon keeps it.
  return cached(
    `d:${ctx.locale}`,
    () => new Intl.DateTimeFormat(ctx.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  ).format(new Date(Date.UTC(year, month - 1, day, 12)));
}

/**
 * A value shown through a formatter; undefined when the value does not fit it
 * (a currency that is not a number) or the org's locale or currency is unknown.
 */
export function formatValue(value: string, format: string | undefined, ctx: FormatContext): string | undefined {
  try {
    switch (format) {
      case undefined:
        return value;
      case 'currency':
        return currency(value, ctx);
      case 'number':
        return number(value, ctx);
      case 'date':
        return date(value, ctx);
      case 'upper':
        return value.toLocaleUpperCase(ctx.locale);
      case 'lower':
        return value.toLocaleLowerCase(ctx.locale);
      default:
        return value;
    }
  } catch {
    return undefined;
  }
}
