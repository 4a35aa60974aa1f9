import type { ColumnType } from 'kysely';

/** One data key of an org, wrapped under the master key; `wrapped` is null once destroyed (crypto-shredded). */
export interface OrgDataKeyTable {
  id: string;
  org_id: string;
  wrapped: Buffer | null;
  /** Fingerprint of the wrapping key derived from the master key that wrapped it. */
  wrapping_key_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  destroyed_at: Date | null;
}
