import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { SealedSecret } from '../../platform/secrets';

export interface OrgSettings {
  defaultCountry: string;
  timeZone: string;
  locale: string;
  currency: string;
  outcomes: string[];
  sendWindow?: { days?: number[]; start: string; end: string };
  inboundJourneyId?: string;
  enrichmentUrl?: string;
  /** Signs enrichment GETs; made when the URL is set, shown once. */
  enrichmentSecret?: SealedSecret;
  /** A rotated-in secret, signed with from `from` (ISO time) on; until then the current one still signs. */
  enrichmentNextSecret?: { sealed: SealedSecret; from: string };
  /** Days the request log is kept; REQUEST_LOG_DAYS when unset. */
  requestLogDays?: number;
  /** Where the org's data lives: the DATA_REGION of the stack that created it (that stack's when unset). */
  dataRegion?: string;
  /** Days each kind of data is kept; a kind absent is kept forever. */
  retention?: RetentionSettings;
}

export interface RetentionSettings {
  /** Ended conversations, with their messages, notes and events, after they ended. */
  conversationsDays?: number;
  /** Contacts with no conversation left, after their last change. */
  inactiveContactsDays?: number;
  /** Webhook delivery rows and attempt logs. */
  webhookDeliveriesDays?: number;
  /** Data-subject request bundles, after the request finished. */
  dsrBundlesDays?: number;
}

export interface OrgTable {
  id: Generated<string>;
  name: string;
  settings: JSONColumnType<OrgSettings>;
  created_at: ColumnType<Date, never, never>;
}
