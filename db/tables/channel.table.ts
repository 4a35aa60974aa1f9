import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export type ChannelKind = 'sandbox' | 'twilio' | 'whatsapp' | 'messenger' | 'webchat';

export interface ChannelTable {
  id: Generated<string>;
  org_id: string;
  kind: ChannelKind;
  name: string;
  config: JSONColumnType<Record<string, unknown>>;
  created_at: ColumnType<Date, never, never>;
}
