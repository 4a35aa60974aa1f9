import type { ColumnType, Generated } from 'kysely';

/** Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. */
export interface AuditLogTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | undefined, never>;
  org_id: string | null;
  actor: string;
  actor_key_id: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  result: string;
}
