import type { Db } from '../db/database';
import { createCampaignActivities } from './campaign';
import type { ChannelRegistry } from '../channels';
import { createConversationActivities } from './conversation';
import { type EnrichmentOptions, createEnrichmentActivities } from './enrichment';
import { createImportActivities } from './import';
import { createNoticeActivities } from './notice';

export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
  /** Outbound policy and limits of enrichment; the strictest defaults when absent. */
  enrichment?: EnrichmentOptions;
}

/** Every activity, bound to its dependencies; workflows import the type only. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createConversationActivities(deps),
  ...createCampaignActivities(deps),
  ...createEnrichmentActivities(deps),
  ...createNoticeActivities(deps),
  ...createImportActivities(deps),
});
