import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Seals the webhook secrets that sandbox channels kept in the clear. The sealing
 * needs the master key, so the caller hands its `seal` in; the migration itself
 * imports nothing from the app. It cannot be undone without the key, so it has no down.
 */
export const sealSandboxSecrets = (seal: (field: string, plain: string) => unknown): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const rows = await db
      .selectFrom('channels')
      .select(['id', sql<string>`config->>'webhookSecret'`.as('secret')])
      .where('kind', '=', 'sandbox')
      .where(sql`jsonb_typeof(config->'webhookSecret')`, '=', 'string')
      .execute();
    for (const row of rows) {
      const sealed = JSON.stringify({ webhookSecret: seal('webhookSecret', row.secret) });
      await db
        .updateTable('channels')
        .set({ config: sql`config || ${sealed}::jsonb` })
        .where('id', '=', row.id)
        .where(sql`config->>'webhookSecret'`, '=', row.secret)
        .execute();
    }
  },
});
