import type { IntentScore } from '../nlu/model';
import type { RunContext } from '../types';
import { type DateRule, matchDate } from './date';
import { matchEmail } from './email';
import { matchKeywords } from './keywords';
import { matchMenu } from './menu';
import { type NumberRule, matchNumber } from './number';
import { matchOrdinal } from './ordinal';
import { matchPhone } from './phone';
import { matchPostcode } from './postcode';
import { matchRegex } from './regex';
import { readYesNo } from './yesno';

/** An intent matcher without `minScore` needs at least this probability. */
export const DEFAULT_MIN_SCORE = 0.5;

/** One way to recognise an answer; exactly one member is set. */
export interface Matcher {
  keywords?: string[];
  regex?: string;
  flags?: string;
  menu?: number;
  yesno?: 'yes' | 'no';
  number?: NumberRule | true;
  date?: DateRule | true;
  intent?: string;
  minScore?: number;
  email?: true;
  phone?: true;
  postcode?: true;
  ordinal?: true;
  sentiment?: { min?: number; max?: number };
}

/** What was read of a reply before matching: its sentiment (-1..1) and best intent. */
export interface Heard {
  sentiment?: number;
  intent?: IntentScore;
}

/** What a matched answer yields; `value` is the normalised capture, if any. */
export interface Match {
  value?: string;
  /** An intent's probability. */
  score?: number;
}

/** The match, or undefined when `text` does not match. Never throws. */
export function matchAnswer(
  matcher: Matcher,
  text: string,
  ctx: Pick<RunContext, 'now' | 'timeZone'> & { locale?: string },
  heard: Heard = {},
): Match | undefined {
  if (matcher.intent !== undefined) {
    const best = heard.intent;
    const matched = best?.intent === matcher.intent && best.score >= (matcher.minScore ?? DEFAULT_MIN_SCORE);
    return matched ? { value: best.intent, score: best.score } : undefined;
  }
  if (matcher.sentiment) {
    const { min = -1, max = 1 } = matcher.sentiment;
    const s = heard.sentiment;
    return s !== undefined && s >= min && s <= max ? {} : undefined;
  }
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
      : entity(matcher, text, ctx.locale ?? 'en-GB');
  return value === undefined ? undefined : { value };
}

function entity(matcher: Matcher, text: string, locale: string): string | undefined {
  if (matcher.email) return matchEmail(text);
  if (matcher.phone) return matchPhone(text, locale);
  if (matcher.postcode) return matchPostcode(text);
  if (matcher.ordinal) return matchOrdinal(text);
  return undefined;
}
