import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { PropensityTrainingInput } from './contracts';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  // A journey with a long history takes a while to read; the activity heartbeats per page, so a dead worker's run is taken over.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

const JOBS_PER_RUN = 200;

/**
 * Retrains the model of every journey that names a target outcome, one journey per activity, and scores that
 * journey's live conversations with it. The nightly schedule starts it; tests start it directly.
 */
export async function propensityTraining(input: PropensityTrainingInput = {}) {
  const now = new Date().toISOString();
  const jobs = await acts.propensityJobs({ ...input, limit: JOBS_PER_RUN });
  const results = [];
  for (const job of jobs) results.push(await acts.trainPropensity({ job, now }));
  // Every org's journeys may be many: a fresh run per page keeps the history short. Its result is its own page's.
  const last = jobs.at(-1);
  if (jobs.length === JOBS_PER_RUN && last) await continueAsNew<typeof propensityTraining>({ ...input, after: last });
  return results;
}
