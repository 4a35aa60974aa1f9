import type { Db } from './database';
import { createChannel } from './channels';
import { insertApiKey } from './keys';
import type { OrgSettings } from './tables/org.table';
import { LIVE_STATUSES } from './tables/conversation.table';

/** An org with a sandbox channel and one API key, in one transaction. */
export async function createOrg(
  db: Db,
  org: { name: string; settings: OrgSettings; key: { prefix: string; hash: string }; sandboxConfig: Record<string, unknown> },
) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('orgs')
      .values({ name: org.name, settings: JSON.stringify(org.settings) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const channel = await createChannel(trx, { orgId: row.id, kind: 'sandbox', name: 'Sandbox', config: org.sandboxConfig });
    await insertApiKey(trx, { orgId: row.id, prefix: org.key.prefix, hash: org.key.hash, name: 'default' });
    return { orgId: row.id, channelId: channel.id };
  });
}

export async function findOrg(db: Db, orgId: string) {
  return db.selectFrom('orgs').select(['id', 'name', 'settings']).where('id', '=', orgId).executeTakeFirstOrThrow();
}

export async function orgSettings(db: Db, orgId: string): Promise<OrgSettings> {
  const org = await db.selectFrom('orgs').select('settings').where('id', '=', orgId).executeTakeFirstOrThrow();
  return org.settings;
}

export async function updateOrg(db: Db, orgId: string, change: { name?: string; settings: Record<string, unknown> }): Promise<void> {
  await db
    .updateTable('orgs')
    .set({ ...(change.name ? { name: change.name } : {}), settings: JSON.stringify(change.settings) })
    .where('id', '=', orgId)
    .execute();
}

const LIVE_CAMPAIGNS = ['importing', 'scheduled', 'running', 'paused'] as const;

/** An org's live conversations and campaigns, with their workflow ids: what offboarding ends first. */
export async function liveWorkOf(db: Db, orgId: string) {
  const conversations = await db
    .selectFrom('conversations')
    .select(['id', 'workflow_id'])
    .where('org_id', '=', orgId)
    .where('status', 'in', LIVE_STATUSES)
    .execute();
  const campaigns = await db
    .selectFrom('campaigns')
    .select('id')
    .where('org_id', '=', orgId)
    .where('status', 'in', LIVE_CAMPAIGNS)
    .execute();
  return { conversations, campaigns: campaigns.map((c) => c.id) };
}
