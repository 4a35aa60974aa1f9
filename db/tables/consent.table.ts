import type { ColumnType, Generated } from 'kysely';

export type ConsentStatus = 'opted_out' | 'opted_in';

export interface ConsentTable {
  id: Generated<string>;
  org_id: string;
  channel_id: string;
  contact_id: string;
  status: ConsentStatus;
  source: 'keyword' | 'api' | 'provider';
  message_id: string | null;
  /** Null: every purpose. An objection names one. */
  purpose: ColumnType<'marketing' | 'service' | null, 'marketing' | 'service' | null | undefined, never>;
  created_at: ColumnType<Date, never, never>;
}
