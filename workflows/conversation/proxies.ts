import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createActivities } from '../../activities';
import { NON_RETRYABLE } from '../contracts';

const SEND_TIMEOUT = '30 seconds';
// The enrich activity gives up after the worker's ENRICH_MAX_ATTEMPTS (at most 10); this cap backs it up.
export const ENRICH_ATTEMPTS_CAP = 10;

/** Activity errors that end the conversation: retrying them would not help. */
export const FINAL_ERROR_TYPES: string[] = [
  NON_RETRYABLE.permanentSend,
  NON_RETRYABLE.contactStopped,
  NON_RETRYABLE.configuration,
  NON_RETRYABLE.notFound,
];

const RETRY: RetryPolicy = {
  initialInterval: '1 second',
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: FINAL_ERROR_TYPES,
};
type Activities = ReturnType<typeof createActivities>;

export const acts = proxyActivities<Activities>({ startToCloseTimeout: SEND_TIMEOUT, retry: RETRY });
export const enrichActs = proxyActivities<Activities>({
  startToCloseTimeout: SEND_TIMEOUT,
  retry: { ...RETRY, maximumAttempts: ENRICH_ATTEMPTS_CAP },
});
// Loads, sends and row updates run as local activities: a reply is answered within the
// workflow task that received it, without two more round trips to the server.
export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: SEND_TIMEOUT, retry: RETRY });
