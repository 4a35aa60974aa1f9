import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { NoticeInput } from '../activities/notice';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '5 minutes', maximumAttempts: 20, nonRetryableErrorTypes: ['PermanentSendError', 'ConfigurationError', 'NotFoundError'] },
});

/** Sends one system message (an opt-out confirmation, say) with retries; its id makes it once only. */
export async function notice(input: NoticeInput): Promise<void> {
  await acts.sendNotice(input);
}
