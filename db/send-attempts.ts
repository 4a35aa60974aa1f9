import { sql } from 'kysely';
import type { Db } from './database';

/** What an earlier call for the same key left behind: nothing, the provider's id, or a call of unknown outcome. */
export type SendClaim = { fresh: true } | { providerMessageId: string } | { unresolvedForMs: number };

/**
 * Claims the provider call for an idempotency key, for providers that accept no key of their own.
 * Two workers racing on one key get one fresh claim: the primary key decides.
 */
export async function claimSendAttempt(db: Db, channelId: string, key: string): Promise<SendClaim> {
  const inserted = await db
    .insertInto('send_attempts')
    .values({ idempotency_key: key, channel_id: channelId })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('idempotency_key')
    .executeTakeFirst();
  if (inserted) return { fresh: true };
  const row = await db
    .selectFrom('send_attempts')
    .select(['provider_message_id', sql<number>`(extract(epoch from now() - started_at) * 1000)::float8`.as('age_ms')])
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  return row.provider_message_id ? { providerMessageId: row.provider_message_id } : { unresolvedForMs: row.age_ms };
}

/** A new call for a key whose earlier outcome stayed unknown. */
export async function restartSendAttempt(db: Db, key: string): Promise<void> {
  await db
    .updateTable('send_attempts')
    .set({ started_at: sql`now()` })
    .where('idempotency_key', '=', key)
    .execute();
}

/** The provider accepted the call (its answer, or a status callback that carried the key back). */
export async function settleSendAttempt(db: Db, channelId: string, key: string, providerMessageId: string): Promise<void> {
  await db
    .updateTable('send_attempts')
    .set({ provider_message_id: providerMessageId })
    .where('idempotency_key', '=', key)
    .where('channel_id', '=', channelId)
    .where('provider_message_id', 'is', null)
    .execute();
}

/** The provider refused the call outright, so a retry may call again at once. */
export async function dropSendAttempt(db: Db, key: string): Promise<void> {
  await db.deleteFrom('send_attempts').where('idempotency_key', '=', key).where('provider_message_id', 'is', null).execute();
}

/** When the outbound message with this key was stored: no attempt to send it is older. */
export async function outboundStoredAt(db: Db, idempotencyKey: string): Promise<Date | undefined> {
  const row = await db.selectFrom('messages').select('created_at').where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row?.created_at;
}

/** Which of these provider message ids the channel has already recorded on a message. */
export async function recordedProviderIds(db: Db, channelId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('messages')
    .select('provider_message_id')
    .where('channel_id', '=', channelId)
    .where('provider_message_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.provider_message_id!));
}
