import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // What a campaign's messages are for: an objection to marketing on a channel stops marketing campaigns only.
  await db.schema
    .alterTable('campaigns')
    .addColumn('purpose', 'text', (c) =>
      c
        .notNull()
        .defaultTo('service')
        .check(sql`purpose in ('service', 'marketing')`),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('purpose').execute();
}
