import { CliError } from './client';

export interface Mapping {
  address?: string;
  customerRef?: string;
  fields?: Record<string, string>;
}

const ADDRESS_KEYS = new Set(['phone', 'address']);
const REF_KEYS = new Set(['ref', 'customerRef']);

/** `phone=Mobile,ref=CustomerRef,firstName=First` → the API's column mapping. */
export function parseMapping(spec: string): Mapping {
  const mapping: Mapping = {};
  const fields: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (eq < 0 || !key || !column) throw new CliError(`--map: "${pair}" is not key=Column`);
    if (ADDRESS_KEYS.has(key)) mapping.address = column;
    else if (REF_KEYS.has(key)) mapping.customerRef = column;
    else fields[key] = column;
  }
  if (Object.keys(fields).length > 0) mapping.fields = fields;
  return mapping;
}
