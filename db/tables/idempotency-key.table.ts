import type { ColumnType } from 'kysely';

export interface IdempotencyKeyTable {
  org_id: string;
  key: string;
  /** Method and path, as in "POST /v1/campaigns". */
  request: string;
  request_hash: string;
  /** Null while the first request is still running. */
  status: number | null;
  location: string | null;
  /** The first answer's JSON body, exactly as sent. */
  response: string | null;
  created_at: ColumnType<Date, never, never>;
}
