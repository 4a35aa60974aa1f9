import type { Db } from '../db/database';
import { createCampaignActivities } from './campaign';
import type { ChannelRegistry } from '../channels';
import { createConversationActivities } from './conversation';
import { type EnrichmentOptions, createEnrichmentActivities } from './enrichment';
import { createImportActivities } from './import';
import { createNoticeActivities } from './notice';
import { createRetentionActivities } from './retention';
import { createPropensityActivities } from './propensity';
import type { PropensityOptions } from '../platform/propensity/service';
import { createDsrActivities } from './dsr';
import type { OutboundPolicy } from '../platform/outbound';
import { type WebhookOptions, createWebhookActivities } from './webhooks';

export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
  /** Outbound policy and limits of enrichment; the strictest defaults when absent. */
  enrichment?: EnrichmentOptions;
  /** Signing secrets, outbound policy and retry schedule of webhook delivery. */
  webhooks?: WebhookOptions;
  /** File rows a workflow import stores per transaction; 5000 when absent. */
  importBatchRows?: number;
  /** Keys the suppression hashes the import checks rows against. */
  hashKey: Buffer;
  /** Where data-subject request status callbacks may go; the strictest policy when absent. */
  callbackPolicy?: OutboundPolicy;
  /** The length of a retention day for purge timers; a real day when absent. */
  retentionDayMs?: number;
  /** How much history the propensity models need and read; PROPENSITY_* defaults when absent. */
  propensity?: PropensityOptions;
}

/** Every activity, bound to its dependencies; workflows import the type only. */
export const createActivities = (deps: ActivityDeps) => ({
  ...createConversationActivities(deps),
  ...createCampaignActivities(deps),
  ...createEnrichmentActivities(deps),
  ...createNoticeActivities(deps),
  ...createImportActivities(deps),
  ...createWebhookActivities(deps),
  ...createRetentionActivities(deps),
  ...createPropensityActivities(deps),
  ...createDsrActivities(deps),
});
