import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The event outbox: written in the same transaction as the change it describes, delivered to webhooks after.
  await db.schema
    .createTable('events')
    .addColumn('position', 'bigserial', (c) => c.primaryKey())
    .addColumn('id', 'uuid', (c) =>
      c
        .notNull()
        .unique()
        .defaultTo(sql`gen_random_uuid()`),
    )
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'uuid')
    .addColumn('campaign_id', 'uuid')
    .addColumn('contact_id', 'uuid')
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_org_position').on('events').columns(['org_id', 'position']).execute();
  await db.schema.createIndex('events_conversation').on('events').columns(['conversation_id', 'sequence']).execute();
  await db.schema.createIndex('events_contact').on('events').column('contact_id').execute();
  // Each conversation and campaign numbers its own events, in a row of its own: a lock held on the conversation
  // (a closing write) must not hold up the messages it still sends.
  await db.schema
    .createTable('event_counters')
    .addColumn('subject_id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_counters').ifExists().execute();
  await db.schema.dropTable('events').ifExists().execute();
}
