import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { PropensityTrainingInput } from './contracts';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  // A journey with a long history takes a while to read; the activity heartbeats per page, so a dead worker's run is taken over.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/**
 * Retrains the model of every journey that names a target outcome, one journey per activity, and scores that
 * journey's live conversations with it. The nightly schedule starts it; tests start it directly.
 */
export async function propensityTraining(input: PropensityTrainingInput = {}) {
  const now = new Date().toISOString();
  const jobs = await acts.propensityJobs(input);
  const results = [];
  for (const job of jobs) results.push(await acts.trainPropensity({ job, now }));
  return results;
}
