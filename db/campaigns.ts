import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { NormalisedContact } from '../platform/contacts';
import type { Rejection } from '../platform/import/contacts';
import { upsertContacts } from './contacts';
import { changeConversation, createCampaignMembers } from './conversations';
import type { Db } from './database';
import { hasEvent, inTransaction, recordEvent } from './events';
import type { CampaignSendWindow, CampaignStatus } from './tables/campaign.table';
import { LIVE_STATUSES } from './tables/conversation.table';

/** What a campaign's row holds, however its members arrive. */
export interface CampaignRow {
  orgId: string;
  name: string;
  journey: { id: string; current_version: number };
  channelId: string;
  startAt?: Date;
  ratePerMinute?: number;
  sendWindow?: CampaignSendWindow;
  purpose?: 'service' | 'marketing';
}

/** The one place a campaign row is written. */
export async function insertCampaign(trx: Db, row: CampaignRow, status: CampaignStatus, total: number) {
  return trx
    .insertInto('campaigns')
    .values({
      org_id: row.orgId,
      name: row.name,
      journey_id: row.journey.id,
      journey_version: row.journey.current_version,
      channel_id: row.channelId,
      status,
      total,
      start_at: row.startAt ?? null,
      rate_per_minute: row.ratePerMinute ?? null,
      send_window: row.sendWindow ? JSON.stringify(row.sendWindow) : null,
      purpose: row.purpose ?? 'service',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface NewCampaign extends CampaignRow {
  contacts: NormalisedContact[];
  /** The rows of an imported file that did not become members. */
  rejections?: Rejection[];
  maxContactFields: number;
  /** The workflow id of a member's conversation, from its id. */
  workflowIdOf: (conversationId: string) => string;
}

/** A campaign, its contacts and a pending conversation per contact, in one transaction. */
export async function createCampaign(db: Db, input: NewCampaign) {
  return db.transaction().execute(async (trx) => {
    const scheduled = input.startAt && input.startAt.getTime() > Date.now();
    const created = await insertCampaign(trx, input, scheduled ? 'scheduled' : 'created', input.contacts.length);
    const contactIds = await upsertContacts(trx, input.orgId, input.channelId, input.contacts, input.maxContactFields);
    const members = contactIds.map((contactId, i) => {
      const id = randomUUID();
      return {
        id,
        orgId: input.orgId,
        campaignId: created.id,
        campaignSeq: i + 1,
        contactId,
        channelId: input.channelId,
        journeyId: input.journey.id,
        journeyVersion: input.journey.current_version,
        workflowId: input.workflowIdOf(id),
      };
    });
    await createCampaignMembers(trx, members);
    await insertRejections(trx, created.id, input.orgId, input.rejections ?? []);
    return created;
  });
}

/** A batch of an import's rejected rows; a row stored already is not stored again. One statement, whatever the count. */
export async function insertRejections(db: Db, campaignId: string, orgId: string, rejections: Rejection[]): Promise<void> {
  if (!rejections.length) return;
  await sql`
    insert into import_rejections (campaign_id, org_id, row, reason, detail)
    select ${campaignId}, ${orgId}, t.row, t.reason, t.detail
    from unnest(${rejections.map((r) => r.row)}::int[], ${rejections.map((r) => r.reason)}::text[], ${rejections.map((r) => r.detail)}::text[]) as t(row, reason, detail)
    on conflict (campaign_id, row) do nothing`.execute(db);
}

/** A page of a campaign's import report, in file order, after the given row. */
export async function importRejections(db: Db, campaignId: string, afterRow: number, limit: number) {
  return db
    .selectFrom('import_rejections')
    .select(['row', 'reason', 'detail'])
    .where('campaign_id', '=', campaignId)
    .where('row', '>', afterRow)
    .orderBy('row')
    .limit(limit)
    .execute();
}

/** Removes a campaign and, by cascade, its conversations. */
export async function deleteCampaign(db: Db, id: string): Promise<void> {
  await db.deleteFrom('campaigns').where('id', '=', id).execute();
}

/** The org's campaign with this id, if it has one. */
export async function findCampaign(db: Db, orgId: string, id: string) {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
}

/**
 * How many of a campaign's conversations are in each (status, outcome), and of
 * those how many sent, were delivered, were replied to and are opted out, in one grouped query.
 */
export async function campaignCounts(db: Db, campaignId: string) {
  const flags = await db
    .selectFrom('conversations as c')
    .select((eb) => [
      'c.status',
      'c.outcome',
      sql<boolean>`c.status = 'cancelled' and c.started_at is null`.as('never_started'),
      eb
        .exists(
          eb
            .selectFrom('messages as m')
            .select(sql`1`.as('one'))
            .whereRef('m.conversation_id', '=', 'c.id')
            .where('m.direction', '=', 'out')
            .where('m.provider_message_id', 'is not', null),
        )
        .as('sent'),
      eb
        .exists(
          eb
            .selectFrom('messages as m')
            .select(sql`1`.as('one'))
            .whereRef('m.conversation_id', '=', 'c.id')
            .where('m.direction', '=', 'out')
            .where('m.status', 'in', ['delivered', 'read']),
        )
        .as('delivered'),
      eb
        .exists(
          eb
            .selectFrom('messages as m')
            .select(sql`1`.as('one'))
            .whereRef('m.conversation_id', '=', 'c.id')
            .where('m.direction', '=', 'in'),
        )
        .as('replied'),
      sql<boolean>`coalesce((
        select k.status = 'opted_out' from consents k
        where k.contact_id = c.contact_id and k.channel_id = c.channel_id
        order by k.created_at desc limit 1), false)`.as('opted_out'),
    ])
    .where('c.campaign_id', '=', campaignId)
    .as('f');
  return db
    .selectFrom(flags)
    .select([
      'f.status',
      'f.outcome',
      'f.never_started',
      'f.sent',
      'f.delivered',
      'f.replied',
      'f.opted_out',
      sql<number>`count(*)::int`.as('n'),
    ])
    .groupBy(['f.status', 'f.outcome', 'f.never_started', 'f.sent', 'f.delivered', 'f.replied', 'f.opted_out'])
    .execute();
}

export interface CampaignStateCounts {
  pending: number;
  started: number;
  sent: number;
  delivered: number;
  replied: number;
  completed: number;
  failed: number;
  optedOut: number;
  skipped: number;
}

/**
 * Progress by state; a conversation counts in every state it reached, so these do not sum to the total.
 * - pending: not started yet (status pending);
 * - started: the campaign started its conversation (left pending, other than cancelled before it started);
 * - sent: a bot or agent message of it was accepted by the provider;
 * - delivered: the provider reported one of its messages delivered or read;
 * - replied: the person sent at least one message into it;
 * - completed: it ended (status ended) with an outcome other than a failure;
 * - failed: it ended as Undeliverable, Missing data or Journey error;
 * - optedOut: the person's latest consent on the channel is an opt-out, or it ended as Opted out;
 * - skipped: it never ran (status skipped, or cancelled before it started).
 */
export function stateCounts(rows: Awaited<ReturnType<typeof campaignCounts>>): CampaignStateCounts {
  const counts: CampaignStateCounts = {
    pending: 0,
    started: 0,
    sent: 0,
    delivered: 0,
    replied: 0,
    completed: 0,
    failed: 0,
    optedOut: 0,
    skipped: 0,
  };
  for (const r of rows) {
    const failed = r.status === 'ended' && !!r.outcome && FAILED_OUTCOMES.includes(r.outcome);
    if (r.status === 'pending') counts.pending += r.n;
    else if (!r.never_started) counts.started += r.n;
    if (r.sent) counts.sent += r.n;
    if (r.delivered) counts.delivered += r.n;
    if (r.replied) counts.replied += r.n;
    if (r.status === 'ended' && !failed) counts.completed += r.n;
    if (failed) counts.failed += r.n;
    if (r.opted_out || r.outcome === 'Opted out') counts.optedOut += r.n;
    if (r.status === 'skipped' || r.never_started) counts.skipped += r.n;
  }
  return counts;
}

const FAILED_OUTCOMES: string[] = ['Undeliverable', 'Missing data', 'Journey error'];

/** The campaign's conversations that still run (started, not ended), in campaign order after `afterSeq`. */
export async function liveMembers(db: Db, campaignId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom('conversations')
    .select(['id', 'campaign_seq'])
    .where('campaign_id', '=', campaignId)
    .where('campaign_seq', '>', afterSeq)
    .where('status', 'in', ['active', 'handoff'])
    .orderBy('campaign_seq')
    .limit(limit)
    .execute();
}

/** What a campaign's run needs: its journey and its channel's kind. */
export async function campaignForRun(db: Db, id: string) {
  return db
    .selectFrom('campaigns as c')
    .innerJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select(['c.journey_id', 'ch.kind', 'ch.config', 'c.start_at', 'c.rate_per_minute'])
    .where('c.id', '=', id)
    .executeTakeFirst();
}

/** The next members in campaign order, after the given sequence number. */
export async function campaignMembers(db: Db, campaignId: string, afterSeq: number, limit: number) {
  return db
    .selectFrom('conversations')
    .select(['id', 'campaign_seq'])
    .where('campaign_id', '=', campaignId)
    .where('campaign_seq', '>', afterSeq)
    .orderBy('campaign_seq')
    .limit(limit)
    .execute();
}

export async function setCampaignStatus(db: Db, id: string, status: CampaignStatus): Promise<void> {
  const done = status === 'completed' || status === 'cancelled';
  await inTransaction(db, async (trx) => {
    const was = await trx.selectFrom('campaigns').select(['status', 'org_id']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!was) return;
    await trx
      .updateTable('campaigns')
      // A campaign's end is the first time it ended; a later run that only closes conversations keeps it.
      .set({ status, ...(done ? { completed_at: sql<Date>`coalesce(completed_at, now())` } : {}) })
      .where('id', '=', id)
      .execute();
    // Started once: a resume after a pause is not a start.
    if (status === 'running' && was.status !== 'running' && !(await hasEvent(trx, id, 'campaignStarted'))) {
      await recordEvent(trx, { orgId: was.org_id, type: 'campaignStarted', campaignId: id, data: { campaignId: id, status } });
    }
    if (status === 'completed' && was.status !== 'completed') {
      const rows = await campaignCounts(trx, id);
      const outcomes: Record<string, number> = {};
      for (const row of rows) if (row.outcome) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + row.n;
      const data = { campaignId: id, status, progress: stateCounts(rows), outcomes };
      await recordEvent(trx, { orgId: was.org_id, type: 'campaignCompleted', campaignId: id, data });
    }
  });
}

/** Cancels the members not yet started; returns how many. */
export async function cancelPendingMembers(db: Db, campaignId: string): Promise<number> {
  const changed = await changeConversation(db, { campaignId }, { status: 'cancelled', endedAt: new Date() }, { from: ['pending'] });
  return changed.length;
}

/** Of the given conversations, those whose first turn is done: a message went out, or the conversation ended. */
export async function readyMembers(db: Db, conversationIds: string[]): Promise<string[]> {
  if (conversationIds.length === 0) return [];
  const rows = await db
    .selectFrom('conversations as c')
    .select('c.id')
    .where('c.id', 'in', conversationIds)
    .where((eb) =>
      eb.or([
        eb('c.status', 'not in', [...LIVE_STATUSES]),
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select(sql`1`.as('one'))
            .whereRef('m.conversation_id', '=', 'c.id')
            .where('m.direction', '=', 'out')
            .where('m.provider_message_id', 'is not', null),
        ),
      ]),
    )
    .execute();
  return rows.map((r) => r.id);
}
