import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per API key, shared by every API process: the GCRA schedule of its requests, as send_rates is a channel's.
  await db.schema
    .createTable('key_rates')
    .addColumn('key_id', 'uuid', (c) => c.primaryKey().references('api_keys.id').onDelete('cascade'))
    .addColumn('booked_until', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('key_rates').ifExists().execute();
}
