import type { ColumnType, Generated } from 'kysely';

export type Role = 'admin' | 'ops' | 'agent' | 'readonly';

export interface ApiKeyTable {
  id: Generated<string>;
  org_id: string;
  prefix: string;
  hash: string;
  name: string;
  role: ColumnType<Role, Role | undefined, never>;
  created_at: ColumnType<Date, never, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
