import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enrichment_breakers')
    .addColumn('org_id', 'uuid', (c) => c.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('closed'))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('opened_at', 'timestamptz')
    .addColumn('open_until', 'timestamptz')
    .addColumn('probe_lease_until', 'timestamptz')
    .addCheckConstraint('enrichment_breakers_state', sql`state in ('closed', 'open', 'half_open')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('enrichment_breakers').execute();
}
