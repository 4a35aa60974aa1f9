import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { WORKFLOW, retentionScheduleId } from '../../workflows/contracts';

/**
 * Creates the daily retention-sweep schedule of this task queue's workers: idempotent, so every worker start
 * may call it. A sweep still running when the next is due is not doubled.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  const id = retentionScheduleId(taskQueue);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW.retentionSweep,
    workflowId: id,
    taskQueue,
    args: [{}],
  };
  try {
    await client.schedule.create({
      scheduleId: id,
      // 03:17 UTC: off the hour, when most orgs are quiet.
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Already there: made by an earlier start of these workers.
  }
}
