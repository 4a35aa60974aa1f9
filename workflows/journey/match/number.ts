import { fold } from '../text';

export interface NumberRule {
  min?: number;
  max?: number;
}

const CURRENCY = /^(?:[£$€¥₹]|gbp|usd|eur)|(?:[£$€¥₹]|gbp|usd|eur|pounds?|euros?|dollars?)$/g;
const THOUSANDS = /^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const PLAIN = /^-?\d+(?:\.\d+)?$/;
const DECIMAL_COMMA = /^-?\d+,\d{1,2}$/;

/** The number in one token such as "£1,250.50", "1250", "12.5" or "12,5". */
export function readAmount(token: string): number | undefined {
  const t = fold(token)
    .replace(/^[(\s]+|[)\s.!?,;:]+$/g, '')
    .replace(CURRENCY, '')
    .trim();
  let n: number | undefined;
  if (THOUSANDS.test(t)) n = Number(t.replace(/,/g, ''));
  else if (PLAIN.test(t)) n = Number(t);
  else if (DECIMAL_COMMA.test(t)) n = Number(t.replace(',', '.'));
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/**
 * The one number in an answer, normalised ("£1,250.50" → "1250.5").
 * Answers with several numbers are ambiguous and do not match.
 */
export function matchNumber(rule: NumberRule | true, text: string): string | undefined {
  const found = text
    .split(/\s+/)
    .map(readAmount)
    .filter((n): n is number => n !== undefined);
  if (found.length !== 1) return undefined;
  const [n] = found;
  if (rule !== true && ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max))) {
    return undefined;
  }
  return String(n);
}
