import { Context } from '@temporalio/activity';
import type { Db } from '../db/database';
import { type PropensityJob, propensityJobs } from '../db/propensity';
import { type PropensityOptions, type TrainingResult, trainJourney } from '../platform/propensity/service';
import type { PropensityTrainingInput } from '../workflows/contracts';

export const DEFAULT_PROPENSITY: PropensityOptions = { minConversations: 200, maxConversations: 20_000 };

export const createPropensityActivities = ({ db, propensity = DEFAULT_PROPENSITY }: { db: Db; propensity?: PropensityOptions }) => ({
  /** The journeys to train: those whose current version names a target outcome. */
  async propensityJobs(input: PropensityTrainingInput & { limit: number }): Promise<PropensityJob[]> {
    return propensityJobs(db, input);
  },

  async trainPropensity(input: { job: PropensityJob; now: string }): Promise<TrainingResult> {
    const ctx = Context.current();
    return trainJourney(db, input.job, { ...propensity, now: new Date(input.now), progress: () => ctx.heartbeat() });
  },
});
