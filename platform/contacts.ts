import { type ChannelKind, kindRules } from '../channels';
import { type FieldError, InvalidInputError } from './errors';

const MAX_SHOWN = 100;

/** A contact as given: an address on the channel and optional fields. */
export interface ContactInput {
  address: string;
  fields?: Record<string, string | number | boolean | null>;
}

export interface NormalisedContact {
  address: string;
  fields: Record<string, string>;
}

/** Normalises every address and drops repeats; any bad row rejects the whole list with an InvalidInputError naming each row. */
export function normaliseContacts(kind: ChannelKind, defaultCountry: string, contacts: ContactInput[], field = 'contacts') {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const rows: NormalisedContact[] = [];
  let duplicates = 0;
  contacts.forEach((c, i) => {
    const result = kindRules(kind).normaliseAddress(c.address, defaultCountry);
    if ('error' in result) return void errors.push({ field: `${field}[${i}].address`, message: result.error });
    if (seen.has(result.address)) return void duplicates++;
    seen.add(result.address);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.fields ?? {})) if (v !== null && v !== undefined) fields[k] = String(v);
    rows.push({ address: result.address, fields });
  });
  if (errors.length) {
    const shown = errors.slice(0, MAX_SHOWN);
    throw new InvalidInputError(
      'Invalid contacts',
      shown,
      `${errors.length} contact(s) rejected; ${shown.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    );
  }
  return { rows, duplicates };
}
