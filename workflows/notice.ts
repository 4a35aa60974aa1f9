import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE, type NoticeInput } from './contracts';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [NON_RETRYABLE.permanentSend, NON_RETRYABLE.configuration, NON_RETRYABLE.notFound],
  },
});

/** Sends one system message (an opt-out confirmation, say) with retries; its id makes it once only. */
export async function notice(input: NoticeInput): Promise<void> {
  await acts.sendNotice(input);
}
