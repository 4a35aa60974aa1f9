import type { ColumnType, Generated } from 'kysely';

/** The zip exported for an access or portability request. */
export interface DsrBundleTable {
  id: Generated<string>;
  org_id: string;
  request_id: string;
  bytes: Buffer;
  created_at: ColumnType<Date, Date | undefined, never>;
}
