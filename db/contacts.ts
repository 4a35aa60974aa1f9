import { sql } from 'kysely';
import type { NormalisedContact } from '../platform/contacts';
import type { Db } from './database';

/**
 * Upserts contacts by (org, channel, address); returns their ids in input order.
 * New fields merge over the stored ones, unless the merge would hold more than
 * `maxFields`: then the new set replaces them, so that repeated requests cannot
 * grow a contact past the limit (its fields travel in workflow payloads).
 */
export async function upsertContacts(
  db: Db,
  orgId: string,
  channelId: string,
  rows: NormalisedContact[],
  maxFields: number,
): Promise<string[]> {
  if (!rows.length) return [];
  // One statement of four parameters however many rows: arrays travel as two values, not 2n.
  const saved = await sql<{ id: string; address: string }>`
    insert into contacts (org_id, channel_id, address, fields)
    select ${orgId}, ${channelId}, t.address, t.fields::jsonb
    from unnest(${rows.map((r) => r.address)}::text[], ${rows.map((r) => JSON.stringify(r.fields))}::text[]) as t(address, fields)
    on conflict (org_id, channel_id, address) do update set
      fields = case when (select count(*) from jsonb_object_keys(contacts.fields || excluded.fields)) <= ${maxFields}
        then contacts.fields || excluded.fields else excluded.fields end,
      updated_at = ${new Date()}
    returning id, address`.execute(db);
  const byAddress = new Map(saved.rows.map((s) => [s.address, s.id]));
  return rows.map((r) => byAddress.get(r.address)!);
}

interface ContactKey {
  orgId: string;
  channelId: string;
  address: string;
}

export async function findContactId(db: Db, key: ContactKey): Promise<string | undefined> {
  const row = await db
    .selectFrom('contacts')
    .select('id')
    .where('org_id', '=', key.orgId)
    .where('channel_id', '=', key.channelId)
    .where('address', '=', key.address)
    .executeTakeFirst();
  return row?.id;
}

/** The contact at this address, created without fields if new. */
export async function ensureContact(db: Db, key: ContactKey): Promise<string | undefined> {
  // A concurrent first message may create it first: then ours does nothing and the read finds theirs.
  await db
    .insertInto('contacts')
    .values({ org_id: key.orgId, channel_id: key.channelId, address: key.address, fields: JSON.stringify({}) })
    .onConflict((oc) => oc.columns(['org_id', 'channel_id', 'address']).doNothing())
    .execute();
  return findContactId(db, key);
}

/** Where to reach a contact on a channel, for a message outside any conversation. */
export async function contactOnChannel(db: Db, contactId: string, channelId: string) {
  return db
    .selectFrom('contacts as ct')
    .innerJoin('channels as ch', 'ch.id', 'ct.channel_id')
    .select(['ct.org_id', 'ct.address', 'ch.kind', 'ch.config'])
    .where('ct.id', '=', contactId)
    .where('ch.id', '=', channelId)
    .executeTakeFirst();
}
