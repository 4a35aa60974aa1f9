import type { Db } from './database';

/**
 * A contact on a channel as a session-window provider needs it: their fields, the org's
 * formatting settings, and when they last wrote in. Inbound messages count once routed to
 * one of their conversations, so a reply still being routed is missed: callers must treat a
 * shut window as a hint, not a fact.
 */
export async function sessionContact(db: Db, channelId: string, address: string) {
  const contact = await db
    .selectFrom('contacts as ct')
    .innerJoin('channels as ch', (j) => j.onRef('ch.org_id', '=', 'ct.org_id').onRef('ch.id', '=', 'ct.channel_id'))
    .innerJoin('orgs as o', 'o.id', 'ct.org_id')
    .select(['ct.id', 'ct.fields', 'o.settings'])
    .where('ch.id', '=', channelId)
    .where('ct.address', '=', address)
    .executeTakeFirst();
  if (!contact) return undefined;
  const last = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as cv', 'cv.id', 'm.conversation_id')
    .select((eb) => eb.fn.max('m.created_at').as('at'))
    .where('cv.contact_id', '=', contact.id)
    .where('m.channel_id', '=', channelId)
    .where('m.direction', '=', 'in')
    .executeTakeFirst();
  return { fields: contact.fields, settings: contact.settings, lastInboundAt: last?.at ? new Date(last.at) : null };
}

/** The provider knows the person by another address than ours (WhatsApp's `wa_id`): key the contact on it, unless taken. */
export async function rekeyContact(db: Db, channelId: string, from: string, to: string): Promise<void> {
  await db
    .updateTable('contacts')
    .set({ address: to, updated_at: new Date() })
    .where('channel_id', '=', channelId)
    .where('address', '=', from)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('contacts as taken').select('taken.id').where('taken.channel_id', '=', channelId).where('taken.address', '=', to),
        ),
      ),
    )
    .execute();
}
