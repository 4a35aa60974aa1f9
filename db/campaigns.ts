import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { NormalisedContact } from '../platform/contacts';
import type { Rejection } from '../platform/import/contacts';
import { upsertContacts } from './contacts';
import { changeConversation, createConversations } from './conversations';
import type { Db } from './database';
import type { CampaignStatus } from './tables/campaign.table';
import { LIVE_STATUSES } from './tables/conversation.table';

const REJECTION_BATCH = 1000;

export interface NewCampaign {
  orgId: string;
  name: string;
  journey: { id: string; current_version: number };
  channelId: string;
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
    const created = await trx
      .insertInto('campaigns')
      .values({
        org_id: input.orgId,
        name: input.name,
        journey_id: input.journey.id,
        journey_version: input.journey.current_version,
        channel_id: input.channelId,
        status: 'created',
        total: input.contacts.length,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
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
    await createConversations(trx, members);
    const rejections = input.rejections ?? [];
    for (let i = 0; i < rejections.length; i += REJECTION_BATCH) {
      await trx
        .insertInto('import_rejections')
        .values(rejections.slice(i, i + REJECTION_BATCH).map((r) => ({ campaign_id: created.id, org_id: input.orgId, ...r })))
        .execute();
    }
    return created;
  });
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

/** How many of a campaign's conversations are in each (status, outcome). */
export async function campaignCounts(db: Db, campaignId: string) {
  return db
    .selectFrom('conversations')
    .select(['status', 'outcome', sql<number>`count(*)::int`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['status', 'outcome'])
    .execute();
}

/** What a campaign's run needs: its journey and its channel's kind. */
export async function campaignForRun(db: Db, id: string) {
  return db
    .selectFrom('campaigns as c')
    .innerJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select(['c.journey_id', 'ch.kind', 'ch.config'])
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
  await db
    .updateTable('campaigns')
    .set({ status, ...(done ? { completed_at: new Date() } : {}) })
    .where('id', '=', id)
    .execute();
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
