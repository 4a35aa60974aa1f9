import type { ApiKeyTable } from './tables/api-key.table';
import type { CampaignTable } from './tables/campaign.table';
import type { ChannelTable } from './tables/channel.table';
import type { ConsentTable } from './tables/consent.table';
import type { ContactTable } from './tables/contact.table';
import type { ConversationTable } from './tables/conversation.table';
import type { ImportRejectionTable } from './tables/import-rejection.table';
import type { CampaignImportTable, ImportFileTable } from './tables/import-file.table';
import type { IdempotencyKeyTable } from './tables/idempotency-key.table';
import type { InboundQueueTable } from './tables/inbound-queue.table';
import type { JourneyTable, JourneyVersionTable } from './tables/journey.table';
import type { MessageTable, PendingStatusTable, SandboxOutboxTable } from './tables/message.table';
import type { OrgTable } from './tables/org.table';
import type { SendAttemptTable } from './tables/send-attempt.table';
import type { WebchatEventTable } from './tables/webchat-event.table';
import type { SendRateTable } from './tables/send-rate.table';

export interface Database {
  orgs: OrgTable;
  api_keys: ApiKeyTable;
  channels: ChannelTable;
  journeys: JourneyTable;
  journey_versions: JourneyVersionTable;
  contacts: ContactTable;
  campaigns: CampaignTable;
  conversations: ConversationTable;
  messages: MessageTable;
  pending_statuses: PendingStatusTable;
  sandbox_outbox: SandboxOutboxTable;
  consents: ConsentTable;
  idempotency_keys: IdempotencyKeyTable;
  send_attempts: SendAttemptTable;
  webchat_events: WebchatEventTable;
  send_rates: SendRateTable;
  inbound_queue: InboundQueueTable;
  import_rejections: ImportRejectionTable;
  import_files: ImportFileTable;
  campaign_imports: CampaignImportTable;
}
