import * as dsrBundles from './2026-12-07T1400-dsr-bundles-objections';
import * as reimportSuppressions from './2026-12-07T1100-reimport-suppressions';
import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './2026-11-22T1500-foundation';
import * as consentInbound from './2026-11-22T1600-consent-inbound';
import * as idempotency from './2026-11-23T0200-idempotency';
import * as sandboxWebhookSecret from './2026-11-23T0400-sandbox-webhook-secret';
import * as sendAttempts from './2026-11-23T0500-send-attempts';
import * as messageStatuses from './2026-11-23T0505-message-statuses';
import * as sendRates from './2026-11-23T0600-send-rates';
import * as inboundQueue from './2026-11-23T0600-inbound-queue';
import * as pruneIndexes from './2026-11-23T0700-prune-indexes';
import * as importRejections from './2026-11-23T0800-import-rejections';
import * as campaignControls from './2026-11-23T0800-campaign-controls';
import * as batchedImports from './2026-11-23T0900-batched-imports';
import { sealSandboxSecrets } from './2026-11-23T0510-seal-channel-secrets';
import * as events from './2026-12-07T0100-events';
import * as keyRolesAudit from './2026-12-07T0500-key-roles-audit';
import * as eventsByCampaign from './2026-12-07T0300-events-by-campaign';
import * as webhooks from './2026-12-07T0400-webhooks';
import * as enrichmentBreakers from './2026-12-07T1100-enrich-enrichment-breakers';
import * as dataSubjectRequests from './2026-12-07T1100-dsr11-data-subject-requests';
import * as keyRates from './2026-12-07T1300-key-rates';
import * as webchatEvents from './2026-11-23T0600-webchat-events';
import * as retentionLegalHold from './2026-12-07T1400-retention-legal-hold';
import * as campaignPurpose from './2026-12-07T1410-campaign-purpose';
import * as messageUnderstanding from './2026-12-08T0000-message-understanding';
import * as journeyModels from './2026-12-08T0100-journey-models';
import * as propensityModels from './2026-12-08T0200-propensity-models';
import * as orgDataKeys from './2026-12-08T0300-org-data-keys';

/** What the migrations that touch secrets need from the app. */
export interface MigrationKeys {
  seal(field: string, plain: string): unknown;
}

/** Listed statically so that the same code runs under tsx, jest and a compiled build. */
export function migrationProvider(keys: MigrationKeys): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '2026-11-22T1500-foundation': foundation,
    '2026-11-22T1600-consent-inbound': consentInbound,
    '2026-11-23T0200-idempotency': idempotency,
    '2026-11-23T0400-sandbox-webhook-secret': sandboxWebhookSecret,
    '2026-11-23T0500-send-attempts': sendAttempts,
    '2026-11-23T0505-message-statuses': messageStatuses,
    '2026-11-23T0510-seal-channel-secrets': sealSandboxSecrets((field, plain) => keys.seal(field, plain)),
    '2026-11-23T0600-webchat-events': webchatEvents,
    '2026-11-23T0600-send-rates': sendRates,
    '2026-11-23T0600-inbound-queue': inboundQueue,
    '2026-11-23T0700-prune-indexes': pruneIndexes,
    '2026-11-23T0800-import-rejections': importRejections,
    '2026-11-23T0800-campaign-controls': campaignControls,
    '2026-11-23T0900-batched-imports': batchedImports,
    '2026-12-07T0100-events': events,
    '2026-12-07T0500-key-roles-audit': keyRolesAudit,
    '2026-12-07T0300-events-by-campaign': eventsByCampaign,
    '2026-12-07T0400-webhooks': webhooks,
    '2026-12-07T1100-enrich-enrichment-breakers': enrichmentBreakers,
    '2026-12-07T1100-reimport-suppressions': reimportSuppressions,
    '2026-12-07T1100-dsr11-data-subject-requests': dataSubjectRequests,
    '2026-12-07T1300-key-rates': keyRates,
    '2026-12-07T1400-retention-legal-hold': retentionLegalHold,
    '2026-12-07T1400-dsr-bundles-objections': dsrBundles,
    '2026-12-07T1410-campaign-purpose': campaignPurpose,
    '2026-12-08T0000-message-understanding': messageUnderstanding,
    '2026-12-08T0100-journey-models': journeyModels,
    '2026-12-08T0200-propensity-models': propensityModels,
    '2026-12-08T0300-org-data-keys': orgDataKeys,
  };
  return { getMigrations: async () => migrations };
}
