import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { type WebhookDispatchInput, wakeWebhooksSignal } from './contracts';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '5 minutes',
  // A killed worker's run is taken over this soon; its leased deliveries come due on their own.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

// Runs per workflow execution before continue-as-new keeps the history short.
const RUNS = 50;

/**
 * Delivers one endpoint's events for as long as it exists. The activity does the work and returns now
 * and then; a paused or disabled endpoint waits for a wake signal (resume, replay, delete).
 */
export async function webhookDispatcher(input: WebhookDispatchInput): Promise<void> {
  let woken = false;
  setHandler(wakeWebhooksSignal, () => void (woken = true));
  for (let run = 0; run < RUNS; run++) {
    woken = false;
    const status = await acts.dispatchWebhooks(input);
    if (status === 'gone') return;
    if (status !== 'active') await condition(() => woken);
  }
  await continueAsNew<typeof webhookDispatcher>(input);
}
