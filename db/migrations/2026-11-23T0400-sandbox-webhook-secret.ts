import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Each sandbox channel signs its webhooks with a secret of its own. gen_random_uuid() draws from
  // PostgreSQL's strong random source, so two of them make a secret without the pgcrypto extension.
  await sql`
    update channels
    set config = config || jsonb_build_object('webhookSecret', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
    where kind = 'sandbox' and not (config ? 'webhookSecret')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update channels set config = config - 'webhookSecret' where kind = 'sandbox'`.execute(db);
}
