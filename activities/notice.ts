import { contactOnChannel } from '../db/contacts';
import type { Db } from '../db/database';
import { storeMessage } from '../db/messages';
import type { ChannelRegistry } from '../channels';
import type { NoticeInput } from '../workflows/contracts';
import { NotFoundError } from './errors';
import { deliver } from './deliver';

export type { NoticeInput };

/** System messages outside any journey, such as the opt-out confirmation; they bypass the consent check on purpose. */
export const createNoticeActivities = ({ db, channels }: { db: Db; channels: ChannelRegistry }) => ({
  async sendNotice(input: NoticeInput): Promise<{ messageId: string }> {
    const target = await contactOnChannel(db, input.contactId, input.channelId);
    if (!target) throw new NotFoundError('contact or channel');
    const { message } = await storeMessage(db, {
      orgId: target.org_id,
      conversationId: input.conversationId ?? null,
      channelId: input.channelId,
      direction: 'out',
      author: 'bot',
      body: input.text,
      step: 'notice',
      idempotencyKey: input.key,
    });
    if (message.provider_message_id) return { messageId: message.id };
    await deliver({ db, channels }, target.kind, message.id, {
      channelId: input.channelId,
      config: target.config,
      to: target.address,
      text: input.text,
      idempotencyKey: input.key,
    });
    return { messageId: message.id };
  },
});
