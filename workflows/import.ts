import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { campaign } from './campaign';
import { type ImportInput, NON_RETRYABLE, campaignSearchAttributes, campaignWorkflowId } from './contracts';

type Activities = ReturnType<typeof createActivities>;

// The file is read in one long activity that heartbeats after every batch; a worker that dies is noticed within the heartbeat timeout.
const reading = proxyActivities<Activities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '10 seconds',
  retry: { maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: [NON_RETRYABLE.importFile, NON_RETRYABLE.notFound] },
});
const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } });

/**
 * Imports a campaign's stored contacts file in batches, then starts the campaign as a child
 * that outlives it: the start is in this history, so it happens once even if a worker dies
 * between the last batch and the start, and the worker needs no client of its own.
 */
export async function importCampaign(input: ImportInput): Promise<'done' | 'failed'> {
  const { campaignId, orgId } = input;
  try {
    await reading.importContactsFile(input);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    await acts.failImport({ campaignId, error: cause?.message ?? 'the file could not be imported' });
    return 'failed';
  }
  const run = await acts.finishImport({ campaignId });
  if (!run) return 'failed';
  await startChild(campaign, {
    workflowId: campaignWorkflowId(campaignId),
    args: [
      {
        campaignId,
        orgId,
        window: input.window,
        runLimit: input.runLimit,
        ...(input.startAt ? { startAt: input.startAt } : {}),
        ...(input.ratePerMinute ? { ratePerMinute: input.ratePerMinute } : {}),
      },
    ],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: campaignSearchAttributes({ orgId, campaignId, journeyId: run.journeyId, channelKind: run.channelKind }),
  });
  return 'done';
}
