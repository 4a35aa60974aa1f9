import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Each org's data keys, wrapped under the master key. Destroying one nulls its bytes: what it sealed is gone everywhere.
  await db.schema
    .createTable('org_data_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('wrapped', 'bytea')
    .addColumn('wrapping_key_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('destroyed_at', 'timestamptz')
    .addCheckConstraint('org_data_keys_wrapped_or_destroyed', sql`(wrapped is null) = (destroyed_at is not null)`)
    .execute();
  await sql`create unique index org_data_keys_live on org_data_keys (org_id) where destroyed_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('org_data_keys').execute();
}
