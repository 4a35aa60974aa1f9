import { isUuid } from '../platform/lookups';
import { notFound } from './problem';

/** A path id that is not a uuid, or belongs to another org, is simply not found. */
export function pathId(value: string | string[] | undefined, what: string): string {
  if (typeof value !== 'string' || !isUuid(value)) throw notFound(what);
  return value.toLowerCase();
}
