import { randomUUID } from 'node:crypto';
import type { Channel, ChannelFactory } from './channel';

/**
 * The built-in loopback provider: "sending" appends to the sandbox outbox,
 * where the customer's side reads it. Like a provider with idempotency keys,
 * a repeated key returns the first message instead of sending again.
 */
export const sandbox: ChannelFactory = ({ db }): Channel => ({
  kind: 'sandbox',
  async send(msg) {
    const inserted = await db
      .insertInto('sandbox_outbox')
      .values({
        channel_id: msg.channelId,
        address: msg.to,
        body: msg.text,
        idempotency_key: msg.idempotencyKey,
        provider_message_id: `sbx_${randomUUID()}`,
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
    return { providerMessageId: row.provider_message_id, status: 'delivered' };
  },
});
