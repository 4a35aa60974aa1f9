/** Replies are cut to this length before matching, so huge messages cost little. */
export const MAX_REPLY_CHARS = 2_000;
/** Longest raw answer kept in a variable. */
export const MAX_SAVED_CHARS = 500;

const EASTERN_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;

function westernDigit(ch: string): string {
  const code = ch.charCodeAt(0);
  return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
}

/** Lower case, without accents, compatibility forms folded ("Sí" → "si", "１" → "1"). */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').replace(EASTERN_DIGITS, westernDigit).toLowerCase();
}

/** The folded words and numbers of a text, punctuation and emoji dropped. */
export function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** True when `needle` occurs as consecutive words of `haystack`. */
export function hasSequence(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((w, j) => haystack[i + j] === w)) return true;
  }
  return false;
}

export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
