import { words } from '../text';

const UNITS = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const TEENS = [
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];
const TENS: Record<string, number> = { twentieth: 20, thirtieth: 30 };
const TENS_PREFIX: Record<string, number> = { twenty: 20, thirty: 30 };
// Spanish, French and Irish words for the first few.
const OTHER: Record<string, number> = {
  primero: 1,
  primera: 1,
  segundo: 2,
  segunda: 2,
  tercero: 3,
  tercera: 3,
  cuarto: 4,
  quinto: 5,
  premier: 1,
  premiere: 1,
  deuxieme: 2,
  second: 2,
  troisieme: 3,
  quatrieme: 4,
  cinquieme: 5,
  chead: 1,
  dara: 2,
  triu: 3,
};
const SPELLING: Record<string, number> = { '1rst': 1, frist: 1, secnd: 2, thrid: 3, forth: 4, fith: 5 };

function single(w: string): number | undefined {
  const digits = /^(\d{1,3})(?:st|nd|rd|th|o|a|er|e|eme|ème)$/.exec(w);
  if (digits) return Number(digits[1]);
  const unit = UNITS.indexOf(w);
  if (unit > 0) return unit;
  const teen = TEENS.indexOf(w);
  if (teen >= 0) return 10 + teen;
  return TENS[w] ?? OTHER[w] ?? SPELLING[w];
}

/** The one ordinal in a reply as a number: "2nd" → "2", "the third" → "3", "twenty-first" → "21". */
export function matchOrdinal(text: string): string | undefined {
  const ws = words(text);
  const found: number[] = [];
  for (let i = 0; i < ws.length; i++) {
    const tens = TENS_PREFIX[ws[i]];
    const next = tens !== undefined ? single(ws[i + 1] ?? '') : undefined;
    if (tens !== undefined && next !== undefined && next < 10) {
      found.push(tens + next);
      i++;
      continue;
    }
    const n = single(ws[i]);
    if (n !== undefined) found.push(n);
  }
  return new Set(found).size === 1 ? String(found[0]) : undefined;
}
