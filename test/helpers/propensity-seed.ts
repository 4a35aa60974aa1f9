import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { FeatureMessage } from '../../platform/propensity/features';

interface Org {
  orgId: string;
  channelId: string;
  journeyId: string;
}

/**
 * Seeds, in SQL, one conversation per entry with its messages at their times: ended with its outcome, or live
 * (active) when it has none. One contact each. Returns the conversation ids in order.
 */
export async function seedConversations(
  db: Db,
  org: Org,
  conversations: { outcome?: string; messages: FeatureMessage[] }[],
  opts: { tag: string; campaignId?: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < conversations.length; i++) {
    const c = conversations[i];
    const first = c.messages[0]?.createdAt ?? new Date();
    const last = c.messages.at(-1)?.createdAt ?? first;
    const { rows } = await sql<{ id: string }>`
      with contact as (
        insert into contacts (org_id, channel_id, address, fields) values (${org.orgId}, ${org.channelId}, ${`${opts.tag}-${i}`}, '{}'::jsonb)
        returning id
      )
      insert into conversations (org_id, campaign_id, contact_id, channel_id, journey_id, journey_version, workflow_id, status, outcome,
        started_at, ended_at)
      select ${org.orgId}, ${opts.campaignId ?? null}::uuid, id, ${org.channelId}, ${org.journeyId}, 1, 'conversation-propensity-' || id,
        ${c.outcome ? 'ended' : 'active'}, ${c.outcome ?? null}, ${first}, ${c.outcome ? last : null}
      from contact returning id`.execute(db);
    const id = rows[0].id;
    ids.push(id);
    if (!c.messages.length) continue;
    const m = c.messages;
    await sql`
      insert into messages (org_id, conversation_id, channel_id, direction, author, body, status, step, intent, sentiment, created_at)
      select ${org.orgId}, ${id}, ${org.channelId}, t.direction, case when t.direction = 'in' then 'contact' else 'bot' end, 'text',
        case when t.direction = 'in' then 'received' else 'sent' end, t.step, t.intent, t.sentiment, t.created_at
      from unnest(${m.map((x) => x.direction)}::text[], ${m.map((x) => x.step)}::text[], ${m.map((x) => x.intent)}::text[],
        ${m.map((x) => x.sentiment)}::float8[], ${m.map((x) => x.createdAt)}::timestamptz[])
        with ordinality as t(direction, step, intent, sentiment, created_at, n)
      order by t.n`.execute(db);
  }
  return ids;
}
