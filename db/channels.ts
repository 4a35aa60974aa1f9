import { sql } from 'kysely';
import type { Db } from './database';
import type { ChannelKind } from '../channels/provider';
import { LIVE_STATUSES } from './tables/conversation.table';

const COLUMNS = ['id', 'org_id', 'kind', 'name', 'config', 'created_at'] as const;

const live = (db: Db) => db.selectFrom('channels').select(COLUMNS).where('deleted_at', 'is', null);

/** An org's channels, oldest first. */
export async function listChannels(db: Db, orgId: string) {
  return live(db).where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

/** One of an org's channels; undefined when it belongs to another org or was deleted. */
export async function getChannel(db: Db, orgId: string, id: string) {
  return live(db).where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
}

/** A channel by id alone, for provider webhooks, which carry no org. */
export async function getChannelById(db: Db, id: string) {
  return live(db).where('id', '=', id).executeTakeFirst();
}

/** Stores a channel; its configuration's secrets must already be sealed. */
export async function createChannel(db: Db, channel: { orgId: string; kind: ChannelKind; name: string; config: Record<string, unknown> }) {
  return db
    .insertInto('channels')
    .values({ org_id: channel.orgId, kind: channel.kind, name: channel.name, config: JSON.stringify(channel.config) })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Renames a channel and/or merges fields into its configuration (secrets already sealed); false when there is no such channel. */
export async function updateChannel(
  db: Db,
  orgId: string,
  id: string,
  change: { name?: string; config?: Record<string, unknown> },
): Promise<boolean> {
  const result = await db
    .updateTable('channels')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.config ? { config: sql<string>`config || ${JSON.stringify(change.config)}::jsonb` } : {}),
    })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Soft-deletes a channel that no live conversation uses: its messages and
 * conversations keep referring to it, but its configuration (secrets and all)
 * is dropped. 'in_use' when a live conversation uses it, 'missing' when there is no such channel.
 */
export async function deleteChannel(db: Db, orgId: string, id: string): Promise<'deleted' | 'in_use' | 'missing'> {
  const result = await db
    .updateTable('channels')
    .set({ deleted_at: new Date(), config: JSON.stringify({}) })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('conversations')
            .select('id')
            .where('conversations.channel_id', '=', id)
            .where('conversations.status', 'in', LIVE_STATUSES),
        ),
      ),
    )
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) return 'deleted';
  return (await getChannel(db, orgId, id)) ? 'in_use' : 'missing';
}

/** The live WhatsApp channels with this Cloud API phone number id (not a secret, so stored in the clear). */
export async function whatsAppChannelsByNumber(db: Db, phoneNumberId: string) {
  return live(db)
    .where('kind', '=', 'whatsapp')
    .where(sql`config->>'phoneNumberId'`, '=', phoneNumberId)
    .execute();
}
