import { Context } from '@temporalio/activity';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Db } from '../db/database';
import { deleteExecutions } from '../platform/retention/executions';
import { type SweepResult, sweepRetention } from '../platform/retention/sweep';
import type { RetentionSweepInput } from '../workflows/contracts';

export const createRetentionActivities = ({ db }: { db: Db }) => ({
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
