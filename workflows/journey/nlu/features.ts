import { wordsAndStems } from './language';

const MAX_WORDS = 60;

/**
 * What the classifier sees of a text: word stems, pairs of stems, and the letter
 * triples of each word, so "cant", "can't" and "cnat" still share most features.
 */
export function features(text: string, language: string): string[] {
  const { words, stems } = wordsAndStems(text, language);
  const out = new Set<string>();
  const n = Math.min(words.length, MAX_WORDS);
  for (let i = 0; i < n; i++) {
    out.add(`w:${stems[i]}`);
    if (i > 0) out.add(`b:${stems[i - 1]}_${stems[i]}`);
    const padded = ` ${words[i]} `;
    for (let j = 0; j + 3 <= padded.length; j++) out.add(`c:${padded.slice(j, j + 3)}`);
  }
  return [...out];
}
