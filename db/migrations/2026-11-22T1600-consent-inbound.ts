import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The consent ledger: append-only; a person's state on a channel is their latest row.
  await db.schema
    .createTable('consents')
    .addColumn('id', sql`uuid`, (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('channel_id', 'uuid', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('message_id', 'uuid', (c) => c.unique().references('messages.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await db.schema.createIndex('consents_contact_channel').on('consents').columns(['contact_id', 'channel_id', 'created_at']).execute();

  // Set once an inbound message has been handed to a conversation, or found none: a replay of an unrouted one routes it.
  await db.schema.alterTable('messages').addColumn('routed_at', 'timestamptz').execute();

  // At most one live conversation per workflow id: concurrent first messages from one sender converge on it.
  await sql`create unique index conversations_live_workflow on conversations (workflow_id) where status in ('pending', 'active', 'handoff')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists conversations_live_workflow`.execute(db);
  await db.schema.dropTable('consents').ifExists().execute();
  await db.schema.alterTable('messages').dropColumn('routed_at').execute();
}
