import { sql } from 'kysely';
import type { Db } from '../../db/database';

/**
 * Seeds, in SQL, `conversations` ended conversations of one contact each, `messages` messages apiece and
 * one event each, all ended `endedDaysAgo` before `now`. Returns the conversation and contact ids.
 */
export async function seedEnded(
  db: Db,
  org: { orgId: string; channelId: string; journeyId: string },
  opts: { conversations: number; messages: number; endedAt: Date; campaignId?: string; tag: string },
): Promise<{ conversationIds: string[]; contactIds: string[] }> {
  const rows = await sql<{ conversation_id: string; contact_id: string }>`
    with contacts_made as (
      insert into contacts (org_id, channel_id, address, fields, updated_at)
      select ${org.orgId}, ${org.channelId}, ${opts.tag} || '-' || g, '{}'::jsonb, ${opts.endedAt}
      from generate_series(1, ${opts.conversations}) g
      returning id
    ), conversations_made as (
      insert into conversations (org_id, campaign_id, contact_id, channel_id, journey_id, journey_version, workflow_id, status,
        started_at, ended_at)
      select ${org.orgId}, ${opts.campaignId ?? null}::uuid, id, ${org.channelId}, ${org.journeyId}, 1,
        'conversation-retention-' || id, 'ended', ${opts.endedAt}, ${opts.endedAt}
      from contacts_made
      returning id, contact_id
    ), messages_made as (
      insert into messages (org_id, conversation_id, channel_id, direction, author, body, status)
      select ${org.orgId}, c.id, ${org.channelId}, 'out', 'bot', 'retained body', 'sent'
      from conversations_made c, generate_series(1, ${opts.messages})
    ), events_made as (
      insert into events (org_id, type, conversation_id, contact_id, sequence, data)
      select ${org.orgId}, 'conversationEnded', id, contact_id, 1, '{}'::jsonb from conversations_made
    )
    select id as conversation_id, contact_id from conversations_made`.execute(db);
  return { conversationIds: rows.rows.map((r) => r.conversation_id), contactIds: rows.rows.map((r) => r.contact_id) };
}

/** A campaign row of the org, for holds (no workflow). */
export async function seedCampaign(db: Db, org: { orgId: string; channelId: string; journeyId: string }): Promise<string> {
  const row = await db
    .insertInto('campaigns')
    .values({
      org_id: org.orgId,
      name: 'Retention',
      journey_id: org.journeyId,
      journey_version: 1,
      channel_id: org.channelId,
      status: 'completed',
      total: 0,
      send_window: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
