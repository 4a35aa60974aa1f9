import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { RetentionSweepInput } from './contracts';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  // A large backlog takes a while; the activity heartbeats after every batch, so a dead worker's run is taken over.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** One retention sweep, as the daily schedule starts it: periods count back from the workflow's start. */
export async function retentionSweep(input: RetentionSweepInput = {}) {
  return acts.sweepRetention({ ...input, now: new Date().toISOString() });
}
