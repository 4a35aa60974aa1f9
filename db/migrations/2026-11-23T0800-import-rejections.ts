import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The rows of a contacts file that did not become members, for the campaign's import report.
  await db.schema
    .createTable('import_rejections')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('row', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_rejections_pkey', ['campaign_id', 'row'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_rejections').ifExists().execute();
}
