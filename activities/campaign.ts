import type { Db } from '../db/database';
import type { CampaignStatus } from '../db/tables/campaign.table';
import { NotFoundError } from './errors';

export const createCampaignActivities = ({ db }: { db: Db }) => ({
  async loadCampaign({ campaignId }: { campaignId: string }): Promise<{ journeyId: string; channelKind: string }> {
    const row = await db
      .selectFrom('campaigns as c')
      .innerJoin('channels as ch', 'ch.id', 'c.channel_id')
      .select(['c.journey_id', 'ch.kind'])
      .where('c.id', '=', campaignId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`campaign ${campaignId} not found`);
    return { journeyId: row.journey_id, channelKind: row.kind };
  },

  /** Ids only: the next members in campaign order, after the given sequence number. */
  async listCampaignMembers(input: { campaignId: string; afterSeq: number; limit: number }): Promise<{ seq: number; conversationId: string }[]> {
    const rows = await db
      .selectFrom('conversations')
      .select(['id', 'campaign_seq'])
      .where('campaign_id', '=', input.campaignId)
      .where('campaign_seq', '>', input.afterSeq)
      .orderBy('campaign_seq')
      .limit(input.limit)
      .execute();
    return rows.map((r) => ({ seq: r.campaign_seq!, conversationId: r.id }));
  },

  async setCampaignStatus({ campaignId, status }: { campaignId: string; status: CampaignStatus }): Promise<void> {
    const done = status === 'completed' || status === 'cancelled';
    await db
      .updateTable('campaigns')
      .set({ status, ...(done ? { completed_at: new Date() } : {}) })
      .where('id', '=', campaignId)
      .execute();
  },

  /** Members not yet started will never start. */
  async cancelCampaignRemainder({ campaignId }: { campaignId: string }): Promise<number> {
    const res = await db
      .updateTable('conversations')
      .set({ status: 'cancelled', ended_at: new Date() })
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  },
});
