import { cancelPendingMembers, campaignForRun, campaignMembers, liveMembers, readyMembers, setCampaignStatus } from '../db/campaigns';
import { completeCampaign } from '../db/campaign-members';
import type { Db } from '../db/database';
import type { CampaignStatus } from '../db/tables/campaign.table';
import { sendRate } from './deliver';
import { NotFoundError } from './errors';

export const createCampaignActivities = ({ db }: { db: Db }) => ({
  /** The campaign's journey, and its channel's kind and send rate (absent from runs recorded before rates). */
  async loadCampaign({ campaignId }: { campaignId: string }): Promise<{ journeyId: string; channelKind: string; ratePerSecond?: number }> {
    const row = await campaignForRun(db, campaignId);
    if (!row) throw new NotFoundError(`campaign ${campaignId}`);
    return { journeyId: row.journey_id, channelKind: row.kind, ratePerSecond: sendRate(row.kind, row.config).perSecond };
  },

  /** Ids only: the next members in campaign order, after the given sequence number. */
  async listCampaignMembers(input: {
    campaignId: string;
    afterSeq: number;
    limit: number;
  }): Promise<{ seq: number; conversationId: string }[]> {
    const rows = await campaignMembers(db, input.campaignId, input.afterSeq, input.limit);
    return rows.map((r) => ({ seq: r.campaign_seq!, conversationId: r.id }));
  },

  /** Of the given conversations, those whose first turn is done: a message went out, or the conversation ended. */
  async readyMembers({ conversationIds }: { conversationIds: string[] }): Promise<string[]> {
    return readyMembers(db, conversationIds);
  },

  async setCampaignStatus({ campaignId, status }: { campaignId: string; status: CampaignStatus }): Promise<void> {
    await setCampaignStatus(db, campaignId, status);
  },

  /** Completes the campaign unless members were added after `afterSeq`; answers whether it completed. */
  async completeCampaign({ campaignId, afterSeq }: { campaignId: string; afterSeq: number }): Promise<boolean> {
    return completeCampaign(db, campaignId, afterSeq);
  },

  /** The campaign's running conversations, in campaign order, after the given sequence number. */
  async liveCampaignMembers(input: {
    campaignId: string;
    afterSeq: number;
    limit: number;
  }): Promise<{ seq: number; conversationId: string }[]> {
    const rows = await liveMembers(db, input.campaignId, input.afterSeq, input.limit);
    return rows.map((r) => ({ seq: r.campaign_seq!, conversationId: r.id }));
  },

  /** Members not yet started will never start. */
  async cancelCampaignRemainder({ campaignId }: { campaignId: string }): Promise<number> {
    return cancelPendingMembers(db, campaignId);
  },
});
