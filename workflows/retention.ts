import { proxyActivities, sleep } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ConversationPurgeInput, RetentionSweepInput } from './contracts';

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

const purgeActs = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

// A period lengthened after the timer was set: wait again, a bounded number of times (the daily sweep is the backstop).
const MAX_WAITS = 10;

/** One ended conversation's purge, started with the delay of its org's period (see schedulePurge). */
export async function conversationPurge(input: ConversationPurgeInput): Promise<string> {
  for (let i = 0; i < MAX_WAITS; i++) {
    const result = await purgeActs.purgeConversation(input);
    if (result.kind !== 'wait') return result.kind;
    await sleep(Math.max(1_000, Date.parse(result.until) - Date.now()));
  }
  return 'waiting';
}
