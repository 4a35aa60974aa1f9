import type { ColumnType, Generated } from 'kysely';

export type CampaignStatus = 'created' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface CampaignTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  journey_id: string;
  journey_version: number;
  channel_id: string;
  status: CampaignStatus;
  total: number;
  created_at: ColumnType<Date, never, never>;
  completed_at: Date | null;
}
