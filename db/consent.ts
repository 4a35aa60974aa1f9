import type { Db } from './database';
import type { ConsentStatus, ConsentTable } from './tables/consent.table';

/** Whether the person's latest word on this channel was STOP. */
export async function isOptedOut(db: Db, contactId: string, channelId: string): Promise<boolean> {
  const latest = await db
    .selectFrom('consents')
    .select('status')
    .where('contact_id', '=', contactId)
    .where('channel_id', '=', channelId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.status === 'opted_out';
}

/** A person's STOP or START; recorded once per message. */
export async function recordConsent(
  db: Db,
  consent: {
    orgId: string;
    channelId: string;
    contactId: string;
    status: ConsentStatus;
    source: ConsentTable['source'];
    messageId?: string;
  },
): Promise<void> {
  await db
    .insertInto('consents')
    .values({
      org_id: consent.orgId,
      channel_id: consent.channelId,
      contact_id: consent.contactId,
      status: consent.status,
      source: consent.source,
      message_id: consent.messageId ?? null,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}
