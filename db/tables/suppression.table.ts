import type { ColumnType, Generated } from 'kysely';

export interface SuppressionTable {
  id: Generated<string>;
  org_id: string;
  /** Keyed HMAC of the normalised address; the address itself is never stored. */
  address_hash: string;
  /** Null: every channel kind. */
  channel_kind: string | null;
  reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  created_by: string;
}
