import type { Db } from '../db/database';
import type { ChannelRegistry } from './channels';
import { NotFoundError } from './errors';

export interface NoticeInput {
  channelId: string;
  contactId: string;
  conversationId?: string;
  text: string;
  /** Business key, e.g. the inbound message that asked for it: one notice per key. */
  key: string;
}

/** System messages outside any journey, such as the opt-out confirmation; they bypass the consent check on purpose. */
export const createNoticeActivities = ({ db, channels }: { db: Db; channels: ChannelRegistry }) => ({
  async sendNotice(input: NoticeInput): Promise<{ messageId: string }> {
    const target = await db
      .selectFrom('contacts as ct')
      .innerJoin('channels as ch', 'ch.id', 'ct.channel_id')
      .select(['ct.org_id', 'ct.address', 'ch.kind', 'ch.config'])
      .where('ct.id', '=', input.contactId)
      .where('ch.id', '=', input.channelId)
      .executeTakeFirst();
    if (!target) throw new NotFoundError('contact or channel not found');
    await db
      .insertInto('messages')
      .values({
        org_id: target.org_id,
        conversation_id: input.conversationId ?? null,
        channel_id: input.channelId,
        direction: 'out',
        author: 'bot',
        body: input.text,
        status: 'pending',
        step: 'notice',
        idempotency_key: input.key,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    const message = await db.selectFrom('messages').select(['id', 'provider_message_id']).where('idempotency_key', '=', input.key).executeTakeFirstOrThrow();
    if (message.provider_message_id) return { messageId: message.id };
    const sent = await channels(target.kind).send({ channelId: input.channelId, config: target.config, to: target.address, text: input.text, idempotencyKey: input.key });
    await db
      .updateTable('messages')
      .set({ status: sent.status, provider_message_id: sent.providerMessageId, updated_at: new Date() })
      .where('id', '=', message.id)
      .execute();
    return { messageId: message.id };
  },
});
