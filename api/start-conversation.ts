import { randomUUID } from 'node:crypto';
import { createConversation, deleteConversation } from '../db/conversations';
import { WORKFLOW, conversationSearchAttributes, conversationWorkflowId, type ConversationInput } from '../workflows/contracts';
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
  const row = (await createConversation(db, {
    id,
    orgId: input.orgId,
    contactId: input.contactId,
    channelId: input.channel.id,
    journeyId: input.journey.id,
    journeyVersion: input.journey.current_version,
    workflowId,
  }))!;
  await startOrUndo(
    () =>
      temporal.workflow.start(WORKFLOW.conversation, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ conversationId: id } satisfies ConversationInput],
        typedSearchAttributes: conversationSearchAttributes({
          orgId: input.orgId,
          journeyId: input.journey.id,
          channelKind: input.channel.kind,
        }),
      }),
    () => deleteConversation(db, id),
  );
  return row;
}
