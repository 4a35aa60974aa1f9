import { Context } from '@temporalio/activity';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Db } from '../db/database';
import { deleteExecutions } from '../platform/retention/executions';
import { type SweepResult, sweepRetention } from '../platform/retention/sweep';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { conversationDue, purgeEndedConversations } from '../db/retention';
import {
  type ConversationPurgeInput,
  type PurgeResult,
  type RetentionSweepInput,
  WORKFLOW,
  conversationPurgeWorkflowId,
} from '../workflows/contracts';

export const createRetentionActivities = ({ db, retentionDayMs = 86_400_000 }: { db: Db; retentionDayMs?: number }) => ({
  /**
   * Starts the ended conversation's own purge, delayed by its org's period: the timer lives on the server, so no
   * worker restart loses it. Without a period nothing starts; the daily sweep covers a period set later.
   */
  async schedulePurge({ conversationId, orgId }: ConversationPurgeInput): Promise<boolean> {
    const row = await conversationDue(db, orgId, conversationId);
    if (!row?.days) return false;
    const ctx = Context.current();
    const endedAt = (row.ended_at ?? row.created_at).getTime();
    try {
      await ctx.client.workflow.start(WORKFLOW.conversationPurge, {
        taskQueue: ctx.info.taskQueue,
        workflowId: conversationPurgeWorkflowId(conversationId),
        args: [{ conversationId, orgId }],
        startDelay: Math.max(1, endedAt + row.days * retentionDayMs - Date.now()),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return true;
  },

  /** Purges one ended conversation that is due, with its execution; a legal hold or a longer period keeps it. */
  async purgeConversation({ conversationId, orgId }: ConversationPurgeInput): Promise<PurgeResult> {
    const row = await conversationDue(db, orgId, conversationId);
    if (!row) return { kind: 'gone' };
    if (!row.days) return { kind: 'kept' };
    const due = (row.ended_at ?? row.created_at).getTime() + row.days * retentionDayMs;
    if (due > Date.now()) return { kind: 'wait', until: new Date(due).toISOString() };
    const purged = await purgeEndedConversations(db, orgId, new Date(due + 1), 1, undefined, conversationId);
    if (purged.conversations === 0) return { kind: 'held' };
    await deleteExecutions(Context.current().client, [row.workflow_id]);
    return { kind: 'purged' };
  },

  /** Purges what is past its org's retention period at `now`, with the purged conversations' executions. */
  async sweepRetention(input: RetentionSweepInput & { now: string }): Promise<SweepResult> {
    const ctx = Context.current();
    let unDeleted = 0;
    const namespace = await ctx.client.workflowService.describeNamespace({ namespace: ctx.client.options.namespace });
    const result = await sweepRetention(db, {
      executionRetentionMs: optionalTsToMs(namespace.config?.workflowExecutionRetentionTtl),
      orgId: input.orgId,
      now: new Date(input.now),
      progress: () => ctx.heartbeat(),
      // The rows are gone once a batch commits, so a retry would not find these executions again: a failure is
      // logged (ids only) and the namespace's own retention removes the history in the end.
      deleteWorkflows: (ids) =>
        deleteExecutions(ctx.client, ids).catch((err: Error) => {
          unDeleted += ids.length;
          ctx.log.warn('deleting the executions of purged conversations failed', { error: err.message, count: ids.length });
        }),
    });
    if (unDeleted) ctx.log.warn('some executions of purged conversations are left to the namespace retention', { count: unDeleted });
    return result;
  },
});
