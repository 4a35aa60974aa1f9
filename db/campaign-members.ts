import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { NormalisedContact } from '../platform/contacts';
import { setCampaignStatus } from './campaigns';
import { upsertContacts } from './contacts';
import { createCampaignMembers } from './conversations';
import type { Db } from './database';
import { inTransaction } from './events';
import type { CampaignStatus } from './tables/campaign.table';

export interface AddedMembers {
  /** The campaign's status when the members were added; a refused status adds nothing. */
  status: CampaignStatus;
  added: number;
  /** Contacts that were members already. */
  duplicates: number;
  /** The campaign's last sequence number before these, for a run that takes up a completed campaign again. */
  afterSeq: number;
  total: number;
}

const TAKES_MEMBERS: CampaignStatus[] = ['created', 'scheduled', 'running', 'paused', 'completed'];

/**
 * Adds contacts to a campaign after the ones it has, in one transaction under the campaign's row lock, the same
 * lock its run completes under: a member is either seen by the run's last look or the run goes on to start it.
 * A completed campaign is running again from here on.
 */
export async function addCampaignMembers(
  db: Db,
  input: {
    campaignId: string;
    orgId: string;
    contacts: NormalisedContact[];
    maxContactFields: number;
    workflowIdOf: (conversationId: string) => string;
  },
): Promise<AddedMembers | undefined> {
  return inTransaction(db, async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .select(['status', 'channel_id', 'journey_id', 'journey_version', 'total'])
      .where('id', '=', input.campaignId)
      .where('org_id', '=', input.orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) return undefined;
    const { max } = await trx
      .selectFrom('conversations')
      .select(sql<number>`coalesce(max(campaign_seq), 0)::int`.as('max'))
      .where('campaign_id', '=', input.campaignId)
      .executeTakeFirstOrThrow();
    const refused = { status: campaign.status, added: 0, duplicates: 0, afterSeq: max, total: campaign.total };
    if (!TAKES_MEMBERS.includes(campaign.status)) return refused;
    const contactIds = await upsertContacts(trx, input.orgId, campaign.channel_id, input.contacts, input.maxContactFields);
    const members = new Set(
      (
        await trx
          .selectFrom('conversations')
          .select('contact_id')
          .where('campaign_id', '=', input.campaignId)
          .where('contact_id', '=', sql<string>`any(${contactIds}::uuid[])`)
          .execute()
      ).map((r) => r.contact_id),
    );
    const fresh = [...new Set(contactIds)].filter((id) => !members.has(id));
    await createCampaignMembers(
      trx,
      fresh.map((contactId, i) => {
        const id = randomUUID();
        return {
          id,
          orgId: input.orgId,
          campaignId: input.campaignId,
          campaignSeq: max + i + 1,
          contactId,
          channelId: campaign.channel_id,
          journeyId: campaign.journey_id,
          journeyVersion: campaign.journey_version,
          workflowId: input.workflowIdOf(id),
        };
      }),
    );
    const total = campaign.total + fresh.length;
    const reopened = campaign.status === 'completed' && fresh.length > 0;
    await trx
      .updateTable('campaigns')
      .set({ total, ...(reopened ? { status: 'running' as const } : {}) })
      .where('id', '=', input.campaignId)
      .execute();
    return { status: campaign.status, added: fresh.length, duplicates: contactIds.length - fresh.length, afterSeq: max, total };
  });
}

/**
 * Completes a campaign whose run has started every member up to `afterSeq`, unless members were added after it:
 * the look and the change under the campaign's row lock. Answers whether it completed.
 */
export async function completeCampaign(db: Db, campaignId: string, afterSeq: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    await trx.selectFrom('campaigns').select('id').where('id', '=', campaignId).forUpdate().executeTakeFirst();
    const more = await trx
      .selectFrom('conversations')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .where('campaign_seq', '>', afterSeq)
      .limit(1)
      .executeTakeFirst();
    if (more) return false;
    await setCampaignStatus(trx, campaignId, 'completed');
    return true;
  });
}
