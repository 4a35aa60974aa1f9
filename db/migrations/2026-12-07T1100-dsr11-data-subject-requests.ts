import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('data_subject_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('access', 'portability', 'rectification', 'erasure', 'restriction', 'liftRestriction', 'objection')`),
    )
    // A keyed hash of the identity as given, never the phone or reference itself.
    .addColumn('identity_hash', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'uuid')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'in_progress', 'completed', 'failed', 'cancelled')`),
    )
    .addColumn('callback_url', 'text')
    .addColumn('error', 'text')
    .addColumn('bundle_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expected_completion_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('data_subject_requests_org_created').on('data_subject_requests').columns(['org_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('data_subject_requests').ifExists().execute();
}
