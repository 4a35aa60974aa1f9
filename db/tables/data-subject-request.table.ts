import type { ColumnType } from 'kysely';

export const DSR_TYPES = ['access', 'portability', 'rectification', 'erasure', 'restriction', 'liftRestriction', 'objection'] as const;
export type DsrType = (typeof DSR_TYPES)[number];
export type DsrStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** A data-subject request; the identity is kept only as a keyed hash. */
export interface DataSubjectRequestTable {
  id: ColumnType<string, string | undefined, never>;
  org_id: string;
  type: DsrType;
  identity_hash: string;
  contact_id: string | null;
  status: ColumnType<DsrStatus, DsrStatus | undefined, DsrStatus>;
  callback_url: string | null;
  error: string | null;
  bundle_id: string | null;
  created_at: ColumnType<Date, Date, never>;
  expected_completion_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}
