import type { ColumnType, Generated } from 'kysely';

/** A chunk of a large contacts file, kept until its import ends. */
export interface ImportFileTable {
  campaign_id: string;
  org_id: string;
  seq: number;
  bytes: Buffer;
}

export type ImportStatus = 'importing' | 'done' | 'failed';

/** A campaign imported in batches by a workflow. */
export interface CampaignImportTable {
  campaign_id: string;
  org_id: string;
  mapping: ColumnType<unknown, string, string>;
  default_country: string;
  status: ImportStatus;
  /** The last file row whose batch is stored; a retried import resumes after it. */
  resume_row: Generated<number>;
  /** Data rows read so far. */
  rows_read: Generated<number>;
  counts: ColumnType<unknown, string | null, string | null>;
  rejected_by: ColumnType<unknown, string | null, string | null>;
  error: string | null;
  updated_at: Generated<Date>;
}
