import { type Selectable, sql } from 'kysely';
import type { Db } from './database';
import { LIVE_STATUSES } from './tables/conversation.table';
import type { PropensityModelTable } from './tables/propensity-model.table';
import type { FeatureMessage } from '../platform/propensity/features';
import type { PropensityModel } from '../platform/propensity/model';

export type PropensityModelRow = Selectable<PropensityModelTable>;

/** A journey whose current version names a target outcome. */
export interface PropensityJob {
  orgId: string;
  journeyId: string;
  targetOutcome: string;
}

const targetOf = sql<string | null>`journey_versions.definition->>'targetOutcome'`;

/** Journeys that name a target outcome, by org and id, after the cursor. */
export async function propensityJobs(
  db: Db,
  opts: { orgId?: string; after?: { orgId: string; journeyId: string }; limit: number },
): Promise<PropensityJob[]> {
  let query = db
    .selectFrom('journeys')
    .innerJoin('journey_versions', (j) =>
      j.onRef('journey_versions.journey_id', '=', 'journeys.id').onRef('journey_versions.version', '=', 'journeys.current_version'),
    )
    .select(['journeys.org_id as orgId', 'journeys.id as journeyId', targetOf.as('targetOutcome')])
    .where(targetOf, 'is not', null)
    .orderBy('journeys.org_id')
    .orderBy('journeys.id')
    .limit(opts.limit);
  if (opts.orgId) query = query.where('journeys.org_id', '=', opts.orgId);
  if (opts.after)
    query = query.where(sql<boolean>`(journeys.org_id, journeys.id) > (${opts.after.orgId}::uuid, ${opts.after.journeyId}::uuid)`);
  return (await query.execute()) as PropensityJob[];
}

/** The target outcome of the journey's current version, if it names one. */
export async function journeyTarget(db: Db, orgId: string, journeyId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('journeys')
    .innerJoin('journey_versions', (j) =>
      j.onRef('journey_versions.journey_id', '=', 'journeys.id').onRef('journey_versions.version', '=', 'journeys.current_version'),
    )
    .select(targetOf.as('target'))
    .where('journeys.org_id', '=', orgId)
    .where('journeys.id', '=', journeyId)
    .executeTakeFirst();
  return row?.target ?? undefined;
}

/** How many of the journey's conversations ended, and how many of those reached the target. */
export async function endedCounts(db: Db, orgId: string, journeyId: string, target: string) {
  const row = await db
    .selectFrom('conversations')
    .select([(eb) => eb.fn.countAll<string>().as('ended'), sql<string>`count(*) filter (where outcome = ${target})`.as('reached')])
    .where('org_id', '=', orgId)
    .where('journey_id', '=', journeyId)
    .where('status', '=', 'ended')
    .executeTakeFirstOrThrow();
  return { ended: Number(row.ended), reached: Number(row.reached) };
}

/** The messages of these conversations, oldest first, by conversation. */
export async function featureMessages(db: Db, conversationIds: string[]): Promise<Map<string, FeatureMessage[]>> {
  const byConversation = new Map<string, FeatureMessage[]>(conversationIds.map((id) => [id, []]));
  if (!conversationIds.length) return byConversation;
  const rows = await db
    .selectFrom('messages')
    .select(['conversation_id', 'direction', 'step', 'intent', 'sentiment', 'created_at'])
    .where('conversation_id', 'in', conversationIds)
    .orderBy('conversation_id')
    .orderBy('seq')
    .execute();
  for (const r of rows) {
    byConversation
      .get(r.conversation_id!)
      ?.push({ direction: r.direction, step: r.step, intent: r.intent, sentiment: r.sentiment, createdAt: r.created_at });
  }
  return byConversation;
}

/** The journey's most recently ended conversations, at most `limit`, with their outcome. */
export async function endedConversations(db: Db, orgId: string, journeyId: string, limit: number) {
  return db
    .selectFrom('conversations')
    .select(['id', 'outcome'])
    .where('org_id', '=', orgId)
    .where('journey_id', '=', journeyId)
    .where('status', '=', 'ended')
    .orderBy('ended_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function saveModel(db: Db, job: PropensityJob, model: PropensityModel, trainedAt: Date): Promise<string> {
  const row = await db
    .insertInto('propensity_models')
    .values({
      org_id: job.orgId,
      journey_id: job.journeyId,
      target_outcome: job.targetOutcome,
      trained_at: trainedAt,
      coefficients: JSON.stringify({ logistic: model.logistic, vocabulary: model.vocabulary }),
      feature_names: JSON.stringify(model.featureNames),
      n_train: model.nTrain,
      n_test: model.nTest,
      positive_rate: model.positiveRate,
      auc: model.auc,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Keeps the journey's newest `keep` models: enough to follow how its AUC moves. */
export async function pruneModels(db: Db, orgId: string, journeyId: string, keep: number): Promise<void> {
  await sql`
    delete from propensity_models where org_id = ${orgId} and journey_id = ${journeyId} and id not in (
      select id from propensity_models where org_id = ${orgId} and journey_id = ${journeyId}
      order by trained_at desc, id desc limit ${keep})`.execute(db);
}

/** The newest model of the journey for its current target outcome: one trained for another target no longer scores. */
export async function currentModel(db: Db, orgId: string, journeyId: string): Promise<PropensityModelRow | undefined> {
  return db
    .selectFrom('propensity_models')
    .selectAll('propensity_models')
    .innerJoin('journeys', 'journeys.id', 'propensity_models.journey_id')
    .innerJoin('journey_versions', (j) =>
      j.onRef('journey_versions.journey_id', '=', 'journeys.id').onRef('journey_versions.version', '=', 'journeys.current_version'),
    )
    .where('propensity_models.org_id', '=', orgId)
    .where('propensity_models.journey_id', '=', journeyId)
    .whereRef('propensity_models.target_outcome', '=', targetOf)
    .orderBy('propensity_models.trained_at', 'desc')
    .orderBy('propensity_models.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The current model of a live conversation's journey, in one query (the relay asks after every reply). */
export async function liveConversationModel(db: Db, conversationId: string) {
  return db
    .selectFrom('conversations')
    .innerJoin('journeys', 'journeys.id', 'conversations.journey_id')
    .innerJoin('journey_versions', (j) =>
      j.onRef('journey_versions.journey_id', '=', 'journeys.id').onRef('journey_versions.version', '=', 'journeys.current_version'),
    )
    .innerJoin('propensity_models', (j) =>
      j
        .onRef('propensity_models.org_id', '=', 'conversations.org_id')
        .onRef('propensity_models.journey_id', '=', 'conversations.journey_id')
        .on('propensity_models.target_outcome', '=', targetOf),
    )
    .select(['conversations.org_id as orgId', 'propensity_models.id', 'propensity_models.coefficients'])
    .where('conversations.id', '=', conversationId)
    .where('conversations.status', 'in', LIVE_STATUSES)
    .orderBy('propensity_models.trained_at', 'desc')
    .orderBy('propensity_models.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A page of the journey's live conversations, by id. */
export async function liveConversationIds(db: Db, orgId: string, journeyId: string, afterId: string | null, limit: number) {
  let query = db
    .selectFrom('conversations')
    .select('id')
    .where('org_id', '=', orgId)
    .where('journey_id', '=', journeyId)
    .where('status', 'in', LIVE_STATUSES)
    .orderBy('id')
    .limit(limit);
  if (afterId) query = query.where('id', '>', afterId);
  return (await query.execute()).map((r) => r.id);
}

/** Scores of live conversations; one that ended meanwhile keeps its last. */
export async function setScores(db: Db, modelId: string, scores: { id: string; propensity: number }[]): Promise<void> {
  if (!scores.length) return;
  await sql`
    update conversations c set propensity = s.p, propensity_model_id = ${modelId}
    from unnest(${scores.map((s) => s.id)}::uuid[], ${scores.map((s) => s.propensity)}::float8[]) as s(id, p)
    where c.id = s.id and c.status in ('pending', 'active', 'handoff')`.execute(db);
}

const BUCKETS = 10;

/** The live conversations of a campaign: how many, how many scored, their scores in ten buckets and their quantiles. */
export async function campaignScores(db: Db, campaignId: string) {
  const live = db.selectFrom('conversations').where('campaign_id', '=', campaignId).where('status', 'in', LIVE_STATUSES);
  const [totals, buckets] = await Promise.all([
    live
      .select([
        (eb) => eb.fn.countAll<string>().as('live'),
        (eb) => eb.fn.count<string>('propensity').as('scored'),
        sql<number[] | null>`percentile_cont(array[0.1, 0.25, 0.5, 0.75, 0.9]) within group (order by propensity)`.as('quantiles'),
      ])
      .executeTakeFirstOrThrow(),
    live
      .select([
        sql<number>`least(floor(propensity * ${BUCKETS})::int, ${BUCKETS - 1})`.as('bucket'),
        (eb) => eb.fn.countAll<string>().as('n'),
      ])
      .where('propensity', 'is not', null)
      .groupBy('bucket')
      .execute(),
  ]);
  const counts = new Map(buckets.map((b) => [Number(b.bucket), Number(b.n)]));
  return {
    live: Number(totals.live),
    scored: Number(totals.scored),
    quantiles: totals.quantiles,
    buckets: Array.from({ length: BUCKETS }, (_, i) => ({ from: i / BUCKETS, to: (i + 1) / BUCKETS, count: counts.get(i) ?? 0 })),
  };
}

/** The campaign's scored live conversations, highest score first. */
export async function campaignPriorities(db: Db, campaignId: string, limit: number) {
  return db
    .selectFrom('conversations')
    .select(['id', 'contact_id', 'status', 'step', 'propensity', 'propensity_model_id'])
    .where('campaign_id', '=', campaignId)
    .where('status', 'in', LIVE_STATUSES)
    .where('propensity', 'is not', null)
    .orderBy('propensity', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}
