import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Keyed hash only: a suppression must outlive the erasure of the person it protects.
  await db.schema
    .createTable('suppressions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('address_hash', 'text', (c) => c.notNull())
    .addColumn('channel_kind', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  // One entry per address and scope; null kind (all channels) is its own scope.
  await sql`create unique index suppressions_org_hash_kind on suppressions (org_id, address_hash, coalesce(channel_kind, ''))`.execute(db);
  await db.schema.alterTable('contacts').addColumn('restricted_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('restricted_at').execute();
  await db.schema.dropTable('suppressions').ifExists().execute();
}
