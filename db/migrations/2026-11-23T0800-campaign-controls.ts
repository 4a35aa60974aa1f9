import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('campaigns')
    .addColumn('start_at', 'timestamptz')
    .addColumn('rate_per_minute', 'integer')
    .addColumn('send_window', 'jsonb')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('start_at').dropColumn('rate_per_minute').dropColumn('send_window').execute();
}
