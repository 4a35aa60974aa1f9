import type { RunContext } from '../types';
import { type DateRule, matchDate } from './date';
import { matchKeywords } from './keywords';
import { matchMenu } from './menu';
import { type NumberRule, matchNumber } from './number';
import { matchRegex } from './regex';
import { readYesNo } from './yesno';

/** One way to recognise an answer; exactly one member is set. */
export interface Matcher {
  keywords?: string[];
  regex?: string;
  flags?: string;
  menu?: number;
  yesno?: 'yes' | 'no';
  number?: NumberRule | true;
  date?: DateRule | true;
}

/** What a matched answer yields; `value` is the normalised capture, if any. */
export interface Match {
  value?: string;
}

/** The match, or undefined when `text` does not match. Never throws. */
export function matchAnswer(matcher: Matcher, text: string, ctx: Pick<RunContext, 'now' | 'timeZone'>): Match | undefined {
  if (matcher.keywords) return matchKeywords(matcher.keywords, text) ? {} : undefined;
  if (matcher.regex !== undefined) {
    const value = matchRegex(matcher.regex, matcher.flags, text);
    return value === undefined ? undefined : { value };
  }
  if (matcher.menu !== undefined) return matchMenu(matcher.menu, text) ? { value: String(matcher.menu) } : undefined;
  if (matcher.yesno) return readYesNo(text) === matcher.yesno ? { value: matcher.yesno } : undefined;
  const value = matcher.number
    ? matchNumber(matcher.number, text)
    : matcher.date
      ? matchDate(matcher.date, text, ctx.now, ctx.timeZone)
      : undefined;
  return value === undefined ? undefined : { value };
}
