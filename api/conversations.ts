import { randomUUID } from 'node:crypto';
import {
  ChannelKey,
  ConversationStatusKey,
  JourneyIdKey,
  OrgIdKey,
  conversationWorkflowId,
  type ConversationInput,
} from '../workflows/contracts';
import type { ApiDeps } from './deps';
import { startOrUndo } from './start';

interface StartInput {
  orgId: string;
  channel: { id: string; kind: string };
  journey: { id: string; current_version: number };
  contactId: string;
}

/** Writes the conversation row, then starts its workflow under a deterministic id. */
export async function startConversation({ db, temporal, config }: Pick<ApiDeps, 'db' | 'temporal' | 'config'>, input: StartInput) {
  const id = randomUUID();
  const workflowId = conversationWorkflowId(id);
  const row = await db
    .insertInto('conversations')
    .values({
      id,
      org_id: input.orgId,
      contact_id: input.contactId,
      channel_id: input.channel.id,
      journey_id: input.journey.id,
      journey_version: input.journey.current_version,
      workflow_id: workflowId,
      status: 'pending',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await startOrUndo(
    () =>
      temporal.workflow.start('conversation', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ conversationId: id } satisfies ConversationInput],
        typedSearchAttributes: [
          { key: OrgIdKey, value: input.orgId },
          { key: JourneyIdKey, value: input.journey.id },
          { key: ChannelKey, value: input.channel.kind },
          { key: ConversationStatusKey, value: 'starting' },
        ],
      }),
    () => db.deleteFrom('conversations').where('id', '=', id).execute(),
  );
  return row;
}
