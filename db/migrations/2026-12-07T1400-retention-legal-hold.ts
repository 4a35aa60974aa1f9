import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('legal_hold', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable('campaigns')
    .addColumn('legal_hold', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // The retention sweep's scan: ended conversations of an org, oldest first.
  await sql`CREATE INDEX conversations_ended_at ON conversations (org_id, ended_at) WHERE status in ('ended', 'skipped', 'cancelled')`.execute(
    db,
  );
  await db.schema.createIndex('webhook_attempts_at').on('webhook_attempts').column('at').execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS webhook_deliveries_event`.execute(db);
  await sql`DROP INDEX IF EXISTS webhook_attempts_at`.execute(db);
  await sql`DROP INDEX IF EXISTS conversations_ended_at`.execute(db);
  await db.schema.alterTable('campaigns').dropColumn('legal_hold').execute();
  await db.schema.alterTable('contacts').dropColumn('legal_hold').execute();
}
