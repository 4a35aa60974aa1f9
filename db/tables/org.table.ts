import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface OrgSettings {
  defaultCountry: string;
  timeZone: string;
  locale: string;
  currency: string;
  outcomes: string[];
  sendWindow?: { days?: number[]; start: string; end: string };
  inboundJourneyId?: string;
  enrichmentUrl?: string;
  /** Days the request log is kept; REQUEST_LOG_DAYS when unset. */
  requestLogDays?: number;
  /** Where the org's data lives: the DATA_REGION of the stack that created it (that stack's when unset). */
  dataRegion?: string;
}

export interface OrgTable {
  id: Generated<string>;
  name: string;
  settings: JSONColumnType<OrgSettings>;
  created_at: ColumnType<Date, never, never>;
}
