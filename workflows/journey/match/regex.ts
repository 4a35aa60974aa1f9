/** Regexes only ever see this much of a reply, which bounds slow patterns. */
export const MAX_REGEX_INPUT = 1_000;

const compiled = new Map<string, RegExp | null>();

/** The compiled pattern, or null when it is not a valid regex. */
export function compileRegex(pattern: string, flags = ''): RegExp | null {
  const key = `${flags}/${pattern}`;
  if (!compiled.has(key)) {
    try {
      compiled.set(key, new RegExp(pattern, flags.replace(/[gy]/g, '')));
    } catch {
      compiled.set(key, null);
    }
  }
  return compiled.get(key) ?? null;
}

/** The first capture group, else the whole match; undefined when no match. */
export function matchRegex(pattern: string, flags: string | undefined, text: string): string | undefined {
  const m = compileRegex(pattern, flags)?.exec(text.slice(0, MAX_REGEX_INPUT));
  if (!m) return undefined;
  return m[1] ?? m[0];
}
