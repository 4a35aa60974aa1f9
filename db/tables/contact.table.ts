import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface ContactTable {
  id: Generated<string>;
  org_id: string;
  channel_id: string;
  address: string;
  fields: JSONColumnType<Record<string, string>>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** Kept but not processed (restriction of processing). */
  restricted_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Suspends retention purging while set. */
  legal_hold: ColumnType<boolean, boolean | undefined, boolean>;
}
