import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { ChannelKind } from '../../channels/provider';

export interface ChannelTable {
  id: Generated<string>;
  org_id: string;
  kind: ChannelKind;
  name: string;
  config: JSONColumnType<Record<string, unknown>>;
  created_at: ColumnType<Date, never, never>;
  deleted_at: ColumnType<Date | null, never, Date>;
}
