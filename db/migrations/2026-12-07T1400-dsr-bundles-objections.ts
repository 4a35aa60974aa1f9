import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The export of an access or portability request: a zip, served until retention removes it.
  await db.schema
    .createTable('dsr_bundles')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('request_id', 'uuid', (c) => c.notNull().unique().references('data_subject_requests.id').onDelete('cascade'))
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // What the request acts on (contact ids, corrected fields, objection scope); cleared once it finishes.
  await db.schema.alterTable('data_subject_requests').addColumn('params', 'jsonb').execute();
  // Null: every purpose (a STOP). An objection names the purpose it covers.
  await db.schema
    .alterTable('consents')
    .addColumn('purpose', 'text', (c) => c.check(sql`purpose in ('marketing', 'service')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('consents').dropColumn('purpose').execute();
  await db.schema.alterTable('data_subject_requests').dropColumn('params').execute();
  await db.schema.dropTable('dsr_bundles').ifExists().execute();
}
