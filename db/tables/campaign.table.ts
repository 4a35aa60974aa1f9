import type { ColumnType, Generated } from 'kysely';

export type CampaignStatus = 'importing' | 'created' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

/** `days` are 1 = Monday … 7 = Sunday. */
export interface CampaignSendWindow {
  from: string;
  to: string;
  days?: number[];
}

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
  /** Members start no earlier than this. */
  start_at: Date | null;
  /** At most this many conversations start in a minute, on top of the channel's rate. */
  rate_per_minute: number | null;
  /** Local hours, in the recipient's zone, outside which no bot message goes out. */
  send_window: ColumnType<CampaignSendWindow | null, string | null, string | null>;
  /** What its messages are for; an objection to a purpose on a channel stops that purpose only. */
  purpose: ColumnType<'service' | 'marketing', 'service' | 'marketing' | undefined, never>;
  /** Suspends retention purging while set. */
  legal_hold: ColumnType<boolean, boolean | undefined, boolean>;
}
