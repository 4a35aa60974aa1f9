import type { Fields } from './types';

/** A field's value by exact name, else ignoring case; blank values count as absent unless `allowBlank`. */
export function lookup(fields: Fields, name: string, allowBlank = false): string | undefined {
  let value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined) {
    const lower = name.toLowerCase();
    const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : fields[key];
  }
  return typeof value === 'string' && (allowBlank || value.trim() !== '') ? value : undefined;
}
