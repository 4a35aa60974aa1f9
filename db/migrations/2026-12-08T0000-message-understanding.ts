import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // What Parley understood of an inbound message: its sentiment, and the best intent of the step that read it.
  await db.schema
    .alterTable('messages')
    .addColumn('sentiment', 'double precision')
    .addColumn('intent', 'text')
    .addColumn('intent_score', 'double precision')
    .execute();
  // A conversation's latest outcome-propensity score and the model that gave it.
  await db.schema
    .alterTable('conversations')
    .addColumn('propensity', 'double precision')
    .addColumn('propensity_model_id', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('sentiment').dropColumn('intent').dropColumn('intent_score').execute();
  await db.schema.alterTable('conversations').dropColumn('propensity').dropColumn('propensity_model_id').execute();
}
