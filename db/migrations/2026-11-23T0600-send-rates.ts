import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per sending channel, shared by every worker: the GCRA "theoretical arrival time",
  // the moment the channel's send schedule is booked up to.
  await db.schema
    .createTable('send_rates')
    .addColumn('channel_id', 'uuid', (c) => c.primaryKey().references('channels.id').onDelete('cascade'))
    .addColumn('booked_until', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('send_rates').ifExists().execute();
}
