import { WorkflowNotFoundError } from '@temporalio/client';
import { inboundSignal } from '../workflows/contracts';
import type { ApiDeps } from './deps';

export interface InboundInput {
  orgId: string;
  channelId: string;
  address: string;
  text: string;
  providerMessageId: string;
}

export type InboundResult = { messageId: string; duplicate: boolean; conversationId: string | null };

const ACTIVE = ['pending', 'active', 'handoff'] as const;

/**
 * Stores an inbound message before anything else (a unique provider id makes a
 * replay a no-op), then signals the sender's active conversation. A message
 * stored but not yet routed (a crash in between) is routed on the replay.
 */
export async function receiveInbound({ db, temporal }: Pick<ApiDeps, 'db' | 'temporal'>, input: InboundInput): Promise<InboundResult> {
  const contact = await db
    .selectFrom('contacts')
    .select('id')
    .where('org_id', '=', input.orgId)
    .where('channel_id', '=', input.channelId)
    .where('address', '=', input.address)
    .executeTakeFirst();
  const inserted = await db
    .insertInto('messages')
    .values({
      org_id: input.orgId,
      channel_id: input.channelId,
      direction: 'in',
      author: 'contact',
      body: input.text,
      status: 'received',
      provider_message_id: input.providerMessageId,
    })
    .onConflict((oc) => oc.columns(['channel_id', 'direction', 'provider_message_id']).doNothing())
    .returning(['id', 'conversation_id'])
    .executeTakeFirst();
  const message =
    inserted ??
    (await db
      .selectFrom('messages')
      .select(['id', 'conversation_id'])
      .where('channel_id', '=', input.channelId)
      .where('direction', '=', 'in')
      .where('provider_message_id', '=', input.providerMessageId)
      .executeTakeFirstOrThrow());
  const duplicate = !inserted;
  if (message.conversation_id || !contact) return { messageId: message.id, duplicate, conversationId: message.conversation_id };

  const conversation = await db
    .selectFrom('conversations')
    .select(['id', 'workflow_id'])
    .where('contact_id', '=', contact.id)
    .where('channel_id', '=', input.channelId)
    .where('status', 'in', ACTIVE)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!conversation) return { messageId: message.id, duplicate, conversationId: null };
  try {
    await temporal.workflow.getHandle(conversation.workflow_id).signal(inboundSignal, { messageId: message.id, text: input.text });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await db.updateTable('messages').set({ conversation_id: conversation.id }).where('id', '=', message.id).execute();
  return { messageId: message.id, duplicate, conversationId: conversation.id };
}
