import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The intent classifier trained from a version's intents, so a running conversation keeps the model it started with.
  await db.schema.alterTable('journey_versions').addColumn('model', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journey_versions').dropColumn('model').execute();
}
