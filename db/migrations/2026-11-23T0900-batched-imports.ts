import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A large contacts file, in chunks, until the worker that imports it has read it.
  await db.schema
    .createTable('import_files')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_files_pkey', ['campaign_id', 'seq'])
    .execute();
  // A campaign imported in batches: how to read its file, and how far the import is.
  await db.schema
    .createTable('campaign_imports')
    .addColumn('campaign_id', 'uuid', (c) => c.primaryKey().references('campaigns.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('mapping', 'jsonb', (c) => c.notNull())
    .addColumn('default_country', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resume_row', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', 'jsonb')
    .addColumn('rejected_by', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A member's sequence number is unique in its campaign, so a retried import batch writes no member twice.
  await db.schema.dropIndex('conversations_campaign_seq').execute();
  await db.schema.createIndex('conversations_campaign_seq').unique().on('conversations').columns(['campaign_id', 'campaign_seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_campaign_seq').execute();
  await db.schema.createIndex('conversations_campaign_seq').on('conversations').columns(['campaign_id', 'campaign_seq']).execute();
  await db.schema.dropTable('campaign_imports').ifExists().execute();
  await db.schema.dropTable('import_files').ifExists().execute();
}
