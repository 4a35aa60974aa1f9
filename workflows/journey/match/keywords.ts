import { hasSequence, words } from '../text';

/**
 * True when any keyword or phrase appears as whole words, ignoring case and
 * accents: "pay" matches "I want to PAY" but not "payday"; "sí" matches "si".
 */
export function matchKeywords(keywords: string[], text: string): boolean {
  const answer = words(text);
  return keywords.some((k) => hasSequence(answer, words(k)));
}
