import type { ColumnType, Generated } from 'kysely';

export interface ApiKeyTable {
  id: Generated<string>;
  org_id: string;
  prefix: string;
  hash: string;
  name: string;
  created_at: ColumnType<Date, never, never>;
  revoked_at: Date | null;
}
