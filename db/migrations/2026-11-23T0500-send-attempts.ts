import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A provider call per idempotency key, for providers that take no key of their own (WhatsApp):
  // when it began, and the provider's message id once known, from the answer or a status callback.
  await db.schema
    .createTable('send_attempts')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'uuid', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('provider_message_id', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('send_attempts').ifExists().execute();
}
