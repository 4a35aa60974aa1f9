import type { RequestHandler } from 'express';
import { type FieldError, HttpError, fieldPath } from './problem';

/** Deeper than any request we define (a journey matcher sits about eight levels down). */
export const MAX_DEPTH = 32;
const MAX_ERRORS = 20;
// PostgreSQL refuses NUL in text and jsonb, and a lone surrogate cannot be encoded as UTF-8.
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function flaw(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (UNPAIRED.test(s)) return 'contains an unpaired surrogate';
  return undefined;
}

/** Every string and key in a parsed JSON body or query that cannot be stored, each named by its path. */
export function unstorable(value: unknown, where: string): FieldError[] {
  const errors: FieldError[] = [];
  const name = (path: PropertyKey[]) => fieldPath(path) || where;
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  while (stack.length && errors.length < MAX_ERRORS) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = flaw(v);
      if (problem) errors.push({ field: name(path), message: problem });
    } else if (v !== null && typeof v === 'object') {
      if (path.length >= MAX_DEPTH) {
        errors.push({ field: name(path), message: `nested more than ${MAX_DEPTH} levels` });
        continue;
      }
      const entries = Array.isArray(v) ? v.map((item, i) => [i, item] as const) : Object.entries(v);
      for (const [k, item] of entries) {
        if (typeof k === 'string') {
          const problem = k === '__proto__' ? '"__proto__" is a reserved name' : flaw(k)?.replace(/^contains/, 'a key contains');
          if (problem) {
            errors.push({ field: name(path), message: problem });
            continue;
          }
        }
        stack.push([item, [...path, k]]);
      }
    }
  }
  return errors;
}

/** Refuses a body or query holding input PostgreSQL cannot store, before any handler sees it. */
export const storableInput: RequestHandler = (req, _res, next) => {
  const errors = [...unstorable(req.body, 'body'), ...unstorable(req.query, 'query')];
  if (errors.length) throw new HttpError(400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  next();
};
