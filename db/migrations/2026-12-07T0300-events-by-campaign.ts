import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A campaign's own events, in its order: whether it has started, and what it reported.
  await db.schema.createIndex('events_campaign').on('events').columns(['campaign_id', 'sequence']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_campaign').ifExists().execute();
}
