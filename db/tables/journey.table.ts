import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface JourneyTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  current_version: number;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface JourneyVersionTable {
  journey_id: string;
  version: number;
  definition: JSONColumnType<Record<string, unknown>>;
  created_at: ColumnType<Date, never, never>;
}
