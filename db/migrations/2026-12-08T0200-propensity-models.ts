import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per training of one journey's model; the newest scores. No personal data: weights, step ids, intent names.
  await db.schema
    .createTable('propensity_models')
    .addColumn('id', sql`uuid`, (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('journey_id', 'uuid', (c) => c.notNull().references('journeys.id').onDelete('cascade'))
    .addColumn('target_outcome', 'text', (c) => c.notNull())
    .addColumn('trained_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('coefficients', 'jsonb', (c) => c.notNull())
    .addColumn('feature_names', 'jsonb', (c) => c.notNull())
    .addColumn('n_train', 'integer', (c) => c.notNull())
    .addColumn('n_test', 'integer', (c) => c.notNull())
    .addColumn('positive_rate', 'double precision', (c) => c.notNull())
    .addColumn('auc', 'double precision')
    .execute();
  await db.schema.createIndex('propensity_models_latest').on('propensity_models').columns(['org_id', 'journey_id', 'trained_at']).execute();
  // Training reads a journey's ended conversations; a campaign's priorities read its live ones by score.
  await sql`create index conversations_journey_ended on conversations (org_id, journey_id, ended_at) where status = 'ended'`.execute(db);
  await sql`create index conversations_campaign_propensity on conversations (campaign_id, propensity desc)
    where propensity is not null and status in ('pending', 'active', 'handoff')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists conversations_campaign_propensity`.execute(db);
  await sql`drop index if exists conversations_journey_ended`.execute(db);
  await db.schema.dropTable('propensity_models').execute();
}
