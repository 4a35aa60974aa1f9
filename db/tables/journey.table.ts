import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { IntentModel } from '../../workflows/journey/nlu/model';

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
  /** The intent classifier trained from the definition's intents; null without intents. */
  model: ColumnType<IntentModel | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, never, never>;
}
