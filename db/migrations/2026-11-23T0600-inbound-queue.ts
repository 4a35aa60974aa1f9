import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Inbound messages stored and acknowledged but not yet handed to their conversation's workflow.
  // A row lives from the webhook's answer until the relay has routed its message.
  await db.schema
    .createTable('inbound_queue')
    .addColumn('message_id', 'uuid', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('channel_id', 'uuid', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('task_queue', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('inbound_queue_sender').on('inbound_queue').columns(['channel_id', 'address']).execute();
  await db.schema.createIndex('inbound_queue_created').on('inbound_queue').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbound_queue').ifExists().execute();
}
