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
  created_at: ColumnType<Date, never, never>;
}
