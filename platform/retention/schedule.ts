import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { RETENTION_SCHEDULE_ID, WORKFLOW } from '../../workflows/contracts';

/**
 * Creates the daily retention-sweep schedule, or points the existing one at this task queue: idempotent, so
 * every worker start may call it. A sweep still running when the next is due is not doubled.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW.retentionSweep,
    workflowId: RETENTION_SCHEDULE_ID,
    taskQueue,
    args: [{}],
  };
  try {
    await client.schedule.create({
      scheduleId: RETENTION_SCHEDULE_ID,
      // 03:17 UTC: off the hour, when most orgs are quiet.
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    const current = await handle.describe();
    if (current.action.type === 'startWorkflow' && current.action.taskQueue === taskQueue) return;
    await handle.update((s) => ({ ...s, action }));
  }
}
