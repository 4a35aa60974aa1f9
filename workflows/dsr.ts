import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE, type DsrInput } from './contracts';

type Acts = ReturnType<typeof createActivities>;

const acts = proxyActivities<Acts>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: [NON_RETRYABLE.notFound] },
});

// A receiver that is down does not hold the request up for long; the status stays readable by GET.
const callback = proxyActivities<Acts>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * One data-subject request: pending, then in_progress, then completed or failed (a request
 * cancelled while pending goes no further). Each change is reported to the callback URL.
 * The input and every activity's result hold ids and statuses only, never personal data.
 */
export async function dataSubjectRequest(input: DsrInput): Promise<string> {
  let change = 0;
  const notify = async (status: string) => {
    change++;
    await callback.dsrNotify({ ...input, status, change }).catch(() => undefined);
  };
  const started = await acts.dsrStart(input);
  if (started !== 'in_progress') {
    await notify(started);
    return started;
  }
  await notify('in_progress');
  let outcome;
  try {
    outcome = await acts.dsrPerform(input);
  } catch {
    outcome = { ok: false, error: 'the request could not be carried out' };
  }
  const final = await acts.dsrFinish({ ...input, ...outcome });
  await notify(final);
  return final;
}
