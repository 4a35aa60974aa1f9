import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database';
import type { ChannelKind } from '../db/tables/channel.table';
import { normaliseAddress } from './address';
import { type FieldError, HttpError } from './problem';

export interface ContactLimits {
  MAX_CONTACT_FIELDS: number;
  MAX_FIELD_CHARS: number;
}

/** A contact in a request body: an address on the channel and at most `MAX_CONTACT_FIELDS` fields. */
export const contactSchema = ({ MAX_CONTACT_FIELDS: maxFields, MAX_FIELD_CHARS: maxChars }: ContactLimits) =>
  z.strictObject({
    address: z.string().min(1).max(256),
    fields: z
      .record(z.string().min(1).max(100), z.union([z.string().max(maxChars, `at most ${maxChars} characters`), z.number(), z.boolean(), z.null()]))
      .refine((f) => Object.keys(f).length <= maxFields, `at most ${maxFields} fields`)
      .optional(),
  });

export type ContactInput = z.infer<ReturnType<typeof contactSchema>>;

export interface NormalisedContact {
  address: string;
  fields: Record<string, string>;
}

const BATCH = 1000;

/** Normalises every address; any bad row rejects the whole request, naming each row. */
export function normaliseContacts(kind: ChannelKind, defaultCountry: string, contacts: ContactInput[], field = 'contacts') {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const rows: NormalisedContact[] = [];
  let duplicates = 0;
  contacts.forEach((c, i) => {
    const result = normaliseAddress(kind, c.address, defaultCountry);
    if ('error' in result) return void errors.push({ field: `${field}[${i}].address`, message: result.error });
    if (seen.has(result.address)) return void duplicates++;
    seen.add(result.address);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.fields ?? {})) if (v !== null && v !== undefined) fields[k] = String(v);
    rows.push({ address: result.address, fields });
  });
  if (errors.length) {
    const shown = errors.slice(0, 100);
    throw new HttpError(400, 'Invalid contacts', `${errors.length} contact(s) rejected; ${shown.map((e) => `${e.field} ${e.message}`).join('; ')}`, shown);
  }
  return { rows, duplicates };
}

/**
 * Upserts contacts by (org, channel, address); returns their ids in input order.
 * New fields merge over the stored ones, unless the merge would hold more than
 * `maxFields`: then the new set replaces them, so that repeated requests cannot
 * grow a contact past the limit (its fields travel in workflow payloads).
 */
export async function upsertContacts(db: Db, orgId: string, channelId: string, rows: NormalisedContact[], maxFields: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const saved = await db
      .insertInto('contacts')
      .values(batch.map((r) => ({ org_id: orgId, channel_id: channelId, address: r.address, fields: JSON.stringify(r.fields) })))
      .onConflict((oc) =>
        oc.columns(['org_id', 'channel_id', 'address']).doUpdateSet({
          fields: sql`case when (select count(*) from jsonb_object_keys(contacts.fields || excluded.fields)) <= ${maxFields}
            then contacts.fields || excluded.fields else excluded.fields end`,
          updated_at: new Date(),
        }),
      )
      .returning(['id', 'address'])
      .execute();
    const byAddress = new Map(saved.map((s) => [s.address, s.id]));
    for (const r of batch) ids.push(byAddress.get(r.address)!);
  }
  return ids;
}
