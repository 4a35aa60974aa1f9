import type { Fields } from './types';
import { lookup } from './fields';
import { type FormatContext, formatValue } from './format';
import { hasUnclosed, type Placeholder, placeholders, substitute } from './placeholders';

export type Rendered = { text: string } | { missing: string[] };

// Values come from customers and imports; they must never smuggle in a placeholder.
const clean = (value: string) => value.replace(/<<|>>/g, '');

function resolve(p: Placeholder, fields: Fields, ctx: FormatContext, fallbacks: Fields): string | undefined {
  const value = lookup(fields, p.name);
  const formatted = value === undefined ? undefined : formatValue(value, p.format, ctx);
  // An empty fallback is deliberate: it drops the placeholder.
  return formatted ?? lookup(fallbacks, p.name, true);
}

/**
 * Fills `<<field>>` and `<<field|format>>` from `fields`, then the journey's
 * fallbacks. Fallbacks are prose and are used as written, without the formatter.
 */
export function render(template: string, fields: Fields, ctx: FormatContext, fallbacks: Fields = {}): Rendered {
  const missing = new Set<string>();
  for (const p of placeholders(template)) {
    if (resolve(p, fields, ctx, fallbacks) === undefined) missing.add(p.name);
  }
  if (hasUnclosed(template)) missing.add('<<');
  if (missing.size > 0) return { missing: [...missing] };
  return { text: substitute(template, (p) => clean(resolve(p, fields, ctx, fallbacks) ?? '')) };
}

/** Like `render`, but a missing value becomes empty text; for agent notes, which must not fail. */
export function renderLoose(template: string, fields: Fields, ctx: FormatContext, fallbacks: Fields = {}): string {
  const text = substitute(template, (p) => clean(resolve(p, fields, ctx, fallbacks) ?? ''));
  return text.replace(/<<|>>/g, '');
}
