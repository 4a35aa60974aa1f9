import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Housekeeping deletes the old rows of these tables by age.
  await db.schema.createIndex('send_attempts_started').on('send_attempts').column('started_at').execute();
  await db.schema.createIndex('pending_statuses_created').on('pending_statuses').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('send_attempts_started').ifExists().execute();
  await db.schema.dropIndex('pending_statuses_created').ifExists().execute();
}
