import type { Db } from './database';

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
