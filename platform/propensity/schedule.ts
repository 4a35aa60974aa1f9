import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { WORKFLOW, propensityScheduleId } from '../../workflows/contracts';

/** Creates the nightly propensity-training schedule of this task queue's workers; idempotent, as for retention. */
export async function ensurePropensitySchedule(client: Client, taskQueue: string): Promise<void> {
  const id = propensityScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId: id,
      // 02:41 UTC: after most orgs' days have ended, and apart from the retention sweep at 03:17.
      spec: { calendars: [{ hour: 2, minute: 41 }] },
      action: { type: 'startWorkflow', workflowType: WORKFLOW.propensityTraining, workflowId: id, taskQueue, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
