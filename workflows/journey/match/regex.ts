import { RE2JS } from 're2js';

/** Regexes only ever see this much of a reply. */
export const MAX_REGEX_INPUT = 1_000;

// JavaScript's \s (Unicode spaces and line ends) and "." (anything but a line end): RE2's are ASCII-only.
const SPACE = '\\t\\n\\v\\f\\r\\x{feff}\\p{Z}';
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const LOOKAROUND: Record<string, string> = { '?=': 'lookahead', '?!': 'lookahead', '?<=': 'lookbehind', '?<!': 'lookbehind' };

/**
 * A JavaScript pattern rewritten for RE2 with the same meaning, or why RE2
 * cannot run it (lookaround and backreferences need backtracking).
 */
function toRe2(pattern: string, dotAll: boolean): { source: string } | { problem: string } {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return { problem: `uses a backreference (\\${next})` };
      if (next === 'k' && pattern[i + 2] === '<') return { problem: 'uses a backreference (\\k<…>)' };
      if (next === 's') out += inClass ? SPACE : `[${SPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${SPACE}]`;
      else if (next === 'b' && inClass) out += '\\x08';
      else out += c + next;
      i++;
    } else if (inClass) {
      inClass = c !== ']';
      out += c;
    } else if (c === '(') {
      const kind = LOOKAROUND[pattern.slice(i + 1, i + 3)] ?? LOOKAROUND[pattern.slice(i + 1, i + 4)];
      if (kind) return { problem: `uses a ${kind} (${pattern.slice(i, i + (kind === 'lookahead' ? 3 : 4))}…)` };
      out += c;
    } else {
      inClass = c === '[';
      out += c === '.' && !dotAll ? DOT : c;
    }
  }
  return { source: RE2JS.translateRegExp(out) };
}

const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 };
const compiled = new Map<string, RE2JS | string>();

/** The compiled pattern, or why it cannot be used: not JavaScript syntax, or beyond RE2. */
export function compileRegex(pattern: string, flags = ''): RE2JS | string {
  const key = `${flags}/${pattern}`;
  let entry = compiled.get(key);
  if (entry === undefined) {
    entry = compile(pattern, flags);
    compiled.set(key, entry);
  }
  return entry;
}

function compile(pattern: string, flags: string): RE2JS | string {
  try {
    new RegExp(pattern, flags);
  } catch {
    return `invalid regular expression /${pattern}/`;
  }
  const re2 = toRe2(pattern, flags.includes('s'));
  if ('problem' in re2) return `/${pattern}/ ${re2.problem}, which journey regexes do not support`;
  try {
    return RE2JS.compile(
      re2.source,
      [...flags].reduce((all, f) => all | (FLAGS[f] ?? 0), 0),
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return `/${pattern}/ is not supported in journeys: ${reason}`;
  }
}

/** The first capture group, else the whole match; undefined when no match. Linear in the reply's length. */
export function matchRegex(pattern: string, flags: string | undefined, text: string): string | undefined {
  const re = compileRegex(pattern, flags);
  if (typeof re === 'string') return undefined;
  const m = re.exec(text.slice(0, MAX_REGEX_INPUT));
  if (!m) return undefined;
  return m[1] ?? m[0];
}
