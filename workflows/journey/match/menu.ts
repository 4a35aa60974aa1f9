import { words } from '../text';

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const ORDINALS = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
const FILLER = new Set(['option', 'number', 'please', 'pls', 'plz']);

/** True for "1", "1.", "1)", "#1", "one", "first", "1st", "option 1", "1️⃣". */
export function matchMenu(choice: number, text: string): boolean {
  const rest = words(text).filter((w) => !FILLER.has(w));
  if (rest.length !== 1) return false;
  const w = rest[0].replace(/^(\d+)(st|nd|rd|th)$/, '$1');
  return (/^\d+$/.test(w) && Number(w) === choice) || NUMBER_WORDS[choice] === w || ORDINALS[choice] === w;
}
