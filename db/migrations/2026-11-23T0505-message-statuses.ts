import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The provider's time of the message's latest status, and its error code when it failed.
  await db.schema.alterTable('messages').addColumn('status_at', 'timestamptz').addColumn('error_code', 'text').execute();

  // Status callbacks that name a provider message id not recorded yet: markSent applies them.
  await db.schema
    .createTable('pending_statuses')
    .addColumn('channel_id', 'uuid', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pending_statuses_pkey', ['channel_id', 'provider_message_id', 'status'])
    .execute();

  // A deleted channel keeps its history (messages and conversations refer to it) but not its configuration.
  await db.schema.alterTable('channels').addColumn('deleted_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channels').dropColumn('deleted_at').execute();
  await db.schema.dropTable('pending_statuses').ifExists().execute();
  await db.schema.alterTable('messages').dropColumn('status_at').dropColumn('error_code').execute();
}
