import { sql } from 'kysely';
import type { Db } from './database';
import type { RetentionSettings } from './tables/org.table';

const ENDED = sql`('ended', 'skipped', 'cancelled')`;

/** The orgs with a retention setting (or just `orgId`'s), with their periods. */
export async function orgsWithRetention(db: Db, orgId?: string): Promise<{ id: string; retention: RetentionSettings }[]> {
  let q = db
    .selectFrom('orgs')
    .select(['id', sql<RetentionSettings>`settings->'retention'`.as('retention')])
    .where(sql<boolean>`settings ? 'retention'`);
  if (orgId) q = q.where('id', '=', orgId);
  return q.orderBy('id').execute();
}

/**
 * Deletes up to `limit` of the org's conversations that ended before `cutoff`, unless their contact or
 * campaign is on legal hold, with their messages (notes live on the row), events and event counter: one
 * statement, so that a batch is gone whole or not at all. Returns the workflow ids of the deleted rows that ended
 * on or after `executionsSince` (earlier ones Temporal removed itself, past the namespace retention).
 */
export async function purgeEndedConversations(db: Db, orgId: string, cutoff: Date, limit: number, executionsSince?: Date, onlyId?: string) {
  const { rows } = await sql<{ conversations: string; workflow_ids: string[]; messages: string; events: string }>`
    with doomed as (
      delete from conversations where id in (
        select c.id from conversations c
        join contacts k on k.id = c.contact_id
        left join campaigns p on p.id = c.campaign_id
        where c.org_id = ${orgId} and c.status in ${ENDED}
          and (c.ended_at < ${cutoff} or (c.ended_at is null and c.created_at < ${cutoff}))
          and not k.legal_hold and not coalesce(p.legal_hold, false)
          and (${onlyId ?? null}::uuid is null or c.id = ${onlyId ?? null}::uuid)
        limit ${limit}
      )
      returning id, workflow_id, ended_at
    ), gone_messages as (
      delete from messages where conversation_id in (select id from doomed) returning 1
    ), gone_events as (
      delete from events where conversation_id in (select id from doomed) returning 1
    ), gone_counters as (
      delete from event_counters where subject_id in (select id from doomed)
    )
    select (select count(*) from doomed) as conversations,
      array(select workflow_id from doomed where ended_at is null or ended_at >= ${executionsSince ?? new Date(0)}) as workflow_ids,
      (select count(*) from gone_messages) as messages, (select count(*) from gone_events) as events`.execute(db);
  const row = rows[0];
  return {
    conversations: Number(row.conversations),
    workflowIds: row.workflow_ids,
    messages: Number(row.messages),
    events: Number(row.events),
  };
}

/** Deletes up to `limit` of the org's messages with no conversation (unrouted inbound) created before `cutoff`. */
export async function purgeLooseMessages(db: Db, orgId: string, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('messages')
    .where('id', 'in', (qb) =>
      qb
        .selectFrom('messages')
        .select('id')
        .where('org_id', '=', orgId)
        .where('conversation_id', 'is', null)
        .where('created_at', '<', cutoff)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes up to `limit` of the org's contacts unchanged since `cutoff` that have no conversation left. A contact
 * on legal hold, under restriction (kept on purpose) or whose opt-out is recorded stays: deleting the opt-out
 * would let a later import message them again.
 */
export async function purgeInactiveContacts(db: Db, orgId: string, cutoff: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ contacts: string }>`
    with doomed as (
      delete from contacts where id in (
        select k.id from contacts k
        where k.org_id = ${orgId} and k.updated_at < ${cutoff} and not k.legal_hold and k.restricted_at is null
          and not exists (select 1 from conversations c where c.contact_id = k.id)
          and not exists (select 1 from consents s where s.contact_id = k.id and s.status = 'opted_out')
        limit ${limit}
      )
      returning id
    ), gone_events as (
      delete from events where contact_id in (select id from doomed)
    )
    select count(*) as contacts from doomed`.execute(db);
  return Number(rows[0].contacts);
}

/** Deletes up to `limit` finished webhook deliveries of the org's endpoints for events before `cutoff`. */
export async function purgeWebhookDeliveries(db: Db, orgId: string, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (qb) =>
      qb
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .innerJoin('events as v', 'v.id', 'd.event_id')
        .select('d.id')
        .where('e.org_id', '=', orgId)
        .where('d.status', '<>', 'pending')
        .where('v.occurred_at', '<', cutoff)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes up to `limit` rows of the org's webhook attempt log made before `cutoff`. */
export async function purgeWebhookAttempts(db: Db, orgId: string, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_attempts')
    .where('id', 'in', (qb) =>
      qb
        .selectFrom('webhook_attempts as a')
        .innerJoin('webhook_endpoints as e', 'e.id', 'a.endpoint_id')
        .select('a.id')
        .where('e.org_id', '=', orgId)
        .where('a.at', '<', cutoff)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Data-subject request bundles made before `cutoff`; their requests then show no bundle. One batch. */
export async function purgeDsrBundles(db: Db, orgId: string, cutoff: Date, limit: number): Promise<number> {
  const gone = await db
    .deleteFrom('dsr_bundles')
    .where('id', 'in', (qb) =>
      qb.selectFrom('dsr_bundles').select('id').where('org_id', '=', orgId).where('created_at', '<', cutoff).limit(limit),
    )
    .returning('request_id')
    .execute();
  if (gone.length) {
    await db
      .updateTable('data_subject_requests')
      .set({ bundle_id: null })
      .where(
        'id',
        'in',
        gone.map((g) => g.request_id),
      )
      .execute();
  }
  return gone.length;
}

/** When an ended conversation falls due under its org's period, or why it never does. */
export async function conversationDue(db: Db, orgId: string, conversationId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('orgs as o', 'o.id', 'c.org_id')
    .select([
      'c.ended_at',
      'c.created_at',
      'c.workflow_id',
      sql<number | null>`(o.settings->'retention'->>'conversationsDays')::int`.as('days'),
    ])
    .where('c.org_id', '=', orgId)
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
}
