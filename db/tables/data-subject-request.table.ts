import type { ColumnType, JSONColumnType } from 'kysely';

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
  /** What the request acts on; cleared once it finishes, as it may hold corrected personal data. */
  params: JSONColumnType<DsrParams | null, string | null | undefined, string | null>;
}

export interface DsrParams {
  contactIds: string[];
  /** Rectification: the fields to set; an empty string removes one. */
  fields?: Record<string, string>;
  /** Objection: the channel kind and purpose it covers; absent, all of them. */
  channelKind?: string;
  purpose?: 'marketing' | 'service';
  /** Erasure by phone: the keyed suppression hash, so a person with no contact yet is still kept out. */
  addressHash?: string;
}
