import type { Db } from '../../db/database';
import { orgSettings } from '../../db/orgs';
import {
  type PropensityJob,
  type PropensityModelRow,
  campaignScores,
  currentModel,
  endedConversations,
  endedCounts,
  featureMessages,
  journeyTarget,
  liveConversationIds,
  liveConversationModel,
  pruneModels,
  saveModel,
  setScores,
} from '../../db/propensity';
import type { ConversationRow } from '../../db/conversations';
import { isLive } from '../../db/tables/conversation.table';
import { score, trainModel } from './model';

export interface PropensityOptions {
  /** Fewer ended conversations of a journey than this, and it has no model. */
  minConversations: number;
  /** Training reads at most this many of the most recently ended. */
  maxConversations: number;
}

export type TrainingResult =
  | { journeyId: string; trained: true; modelId: string; auc: number | null; nTrain: number; scored: number }
  | { journeyId: string; trained: false; reason: string };

const PAGE = 1000;
/** Models kept per journey; older ones go (the scores they gave stay). */
const MODELS_KEPT = 30;

export const thinDataReason = (min: number, has: number) => `needs ${min} ended conversations, has ${has}`;

/** Trains the journey's model on its ended conversations, then scores its live ones with it. */
export async function trainJourney(
  db: Db,
  job: PropensityJob,
  opts: PropensityOptions & { now: Date; progress?: () => void },
): Promise<TrainingResult> {
  const { ended } = await endedCounts(db, job.orgId, job.journeyId, job.targetOutcome);
  if (ended < opts.minConversations)
    return { journeyId: job.journeyId, trained: false, reason: thinDataReason(opts.minConversations, ended) };
  const { timeZone } = await orgSettings(db, job.orgId);
  const rows = await endedConversations(db, job.orgId, job.journeyId, opts.maxConversations);
  const examples = [];
  for (let i = 0; i < rows.length; i += PAGE) {
    const page = rows.slice(i, i + PAGE);
    const messages = await featureMessages(
      db,
      page.map((r) => r.id),
    );
    for (const r of page) examples.push({ id: r.id, messages: messages.get(r.id)!, positive: r.outcome === job.targetOutcome });
    opts.progress?.();
  }
  const model = trainModel(examples, timeZone);
  if ('skipped' in model) return { journeyId: job.journeyId, trained: false, reason: model.skipped };
  const modelId = await saveModel(db, job, model, opts.now);
  await pruneModels(db, job.orgId, job.journeyId, MODELS_KEPT);
  const scored = await scoreLive(
    db,
    job,
    { id: modelId, coefficients: { logistic: model.logistic, vocabulary: model.vocabulary } },
    timeZone,
    opts.progress,
  );
  return { journeyId: job.journeyId, trained: true, modelId, auc: model.auc, nTrain: model.nTrain, scored };
}

type Scorer = Pick<PropensityModelRow, 'id' | 'coefficients'>;

async function scoreLive(db: Db, job: PropensityJob, model: Scorer, timeZone: string, progress?: () => void): Promise<number> {
  let after: string | null = null;
  let scored = 0;
  for (;;) {
    const ids = await liveConversationIds(db, job.orgId, job.journeyId, after, PAGE);
    if (!ids.length) return scored;
    const messages = await featureMessages(db, ids);
    await setScores(
      db,
      model.id,
      ids.map((id) => ({ id, propensity: score(model.coefficients, messages.get(id)!, timeZone) })),
    );
    scored += ids.length;
    after = ids[ids.length - 1];
    progress?.();
  }
}

/** Why the journey's conversations have no score: no target, too little history, one class only, or no training yet. */
export async function noScoreReason(db: Db, orgId: string, journeyId: string, min: number): Promise<string> {
  const target = await journeyTarget(db, orgId, journeyId);
  if (!target) return 'the journey names no targetOutcome';
  const { ended, reached } = await endedCounts(db, orgId, journeyId, target);
  if (ended < min) return thinDataReason(min, ended);
  if (reached === 0 || reached === ended) return `all ${ended} ended conversations ${reached ? 'reached' : 'missed'} the target outcome`;
  return 'no model is trained yet: training runs nightly';
}

export interface ConversationPropensity {
  propensity: number | null;
  propensityReason: string | null;
  propensityModelId: string | null;
}

/**
 * A live conversation's score is computed as it is read, from the journey's current model and the messages so
 * far, so it includes the latest reply and the intents read from it; an ended one keeps its last stored score.
 */
export async function conversationPropensity(db: Db, row: ConversationRow, min: number): Promise<ConversationPropensity> {
  const model = await currentModel(db, row.org_id, row.journey_id);
  if (model && isLive(row.status)) {
    const [{ timeZone }, messages] = await Promise.all([orgSettings(db, row.org_id), featureMessages(db, [row.id])]);
    return { propensity: score(model.coefficients, messages.get(row.id)!, timeZone), propensityReason: null, propensityModelId: model.id };
  }
  if (row.propensity !== null) return { propensity: row.propensity, propensityReason: null, propensityModelId: row.propensity_model_id };
  return {
    propensity: null,
    propensityReason: model ? 'the conversation ended before a model scored it' : await noScoreReason(db, row.org_id, row.journey_id, min),
    propensityModelId: null,
  };
}

/** Stores a fresh score for a live conversation after a reply; nothing when its journey has no model. */
export async function rescoreConversation(db: Db, conversationId: string): Promise<void> {
  const model = await liveConversationModel(db, conversationId);
  if (!model) return;
  const [{ timeZone }, messages] = await Promise.all([orgSettings(db, model.orgId), featureMessages(db, [conversationId])]);
  await setScores(db, model.id, [{ id: conversationId, propensity: score(model.coefficients, messages.get(conversationId)!, timeZone) }]);
}

/** The distribution of a campaign's live scores, with the model behind them or the reason there is none. */
export async function campaignPropensity(db: Db, campaign: { id: string; org_id: string; journey_id: string }, min: number) {
  const [target, model, scores] = await Promise.all([
    journeyTarget(db, campaign.org_id, campaign.journey_id),
    currentModel(db, campaign.org_id, campaign.journey_id),
    campaignScores(db, campaign.id),
  ]);
  const q = scores.quantiles;
  return {
    targetOutcome: target ?? null,
    model: model
      ? { id: model.id, trainedAt: model.trained_at.toISOString(), auc: model.auc, nTrain: model.n_train, nTest: model.n_test }
      : null,
    reason: model ? null : await noScoreReason(db, campaign.org_id, campaign.journey_id, min),
    live: scores.live,
    scored: scores.scored,
    buckets: scores.buckets,
    quantiles: q ? { p10: q[0], p25: q[1], p50: q[2], p75: q[3], p90: q[4] } : null,
  };
}
