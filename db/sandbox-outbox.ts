import type { Db } from './database';

/**
 * Appends one message to a sandbox channel's outbox, once per idempotency key:
 * a repeated key returns the first message's provider id.
 */
export async function appendOutbox(
  db: Db,
  msg: { channelId: string; address: string; body: string; idempotencyKey: string; providerMessageId: string },
) {
  const inserted = await db
    .insertInto('sandbox_outbox')
    .values({
      channel_id: msg.channelId,
      address: msg.address,
      body: msg.body,
      idempotency_key: msg.idempotencyKey,
      provider_message_id: msg.providerMessageId,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('provider_message_id')
    .executeTakeFirst();
  const row =
    inserted ??
    (await db
      .selectFrom('sandbox_outbox')
      .select('provider_message_id')
      .where('idempotency_key', '=', msg.idempotencyKey)
      .executeTakeFirstOrThrow());
  return row.provider_message_id;
}

/** A page of a sandbox channel's outbox after `after`, optionally to one address. */
export async function readOutbox(db: Db, channelId: string, page: { after: number; limit: number; address?: string }) {
  let q = db
    .selectFrom('sandbox_outbox')
    .select(['seq', 'address', 'body', 'provider_message_id', 'created_at'])
    .where('channel_id', '=', channelId)
    .where('seq', '>', String(page.after))
    .orderBy('seq')
    .limit(page.limit);
  if (page.address) q = q.where('address', '=', page.address);
  return q.execute();
}
