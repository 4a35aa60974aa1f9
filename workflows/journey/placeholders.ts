export const FORMATTERS = ['currency', 'number', 'date', 'upper', 'lower'] as const;
export type Formatter = (typeof FORMATTERS)[number];

/** One `<<name>>` or `<<name|format>>` in a template. */
export interface Placeholder {
  raw: string;
  name: string;
  format?: string;
}

const PLACEHOLDER = /<<\s*([^<>|]+?)\s*(?:\|\s*([^<>|]*?)\s*)?>>/g;

export function placeholders(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({
    raw: m[0],
    name: m[1],
    format: m[2] || undefined,
  }));
}

/** Replaces every placeholder with what `value` returns for it. */
export function substitute(template: string, value: (p: Placeholder) => string): string {
  return template.replace(PLACEHOLDER, (raw, name: string, format?: string) => value({ raw, name, format: format || undefined }));
}

/** True when a `<<` is left over once placeholders are taken out, as in "Hi <<name". */
export function hasUnclosed(template: string): boolean {
  return template.replace(PLACEHOLDER, '').includes('<<');
}

export function isFormatter(name: string): name is Formatter {
  return (FORMATTERS as readonly string[]).includes(name);
}
