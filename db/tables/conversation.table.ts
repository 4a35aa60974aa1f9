import type { ColumnType, Generated } from 'kysely';

export type ConversationStatus = 'pending' | 'active' | 'handoff' | 'ended' | 'skipped' | 'cancelled';

/** Statuses of a conversation whose workflow still runs (the partial unique index uses the same list). */
export const LIVE_STATUSES = ['pending', 'active', 'handoff'] as const;

export const isLive = (status: string) => (LIVE_STATUSES as readonly string[]).includes(status);

export interface ConversationTable {
  id: Generated<string>;
  org_id: string;
  campaign_id: string | null;
  campaign_seq: number | null;
  contact_id: string;
  channel_id: string;
  journey_id: string;
  journey_version: number;
  workflow_id: string;
  status: ConversationStatus;
  outcome: string | null;
  step: string | null;
  notes: ColumnType<string[], string | undefined, string>;
  /** The latest estimate (0–1) that the journey reaches its target outcome, and the model behind it. */
  propensity: number | null;
  propensity_model_id: string | null;
  created_at: ColumnType<Date, never, never>;
  started_at: Date | null;
  ended_at: Date | null;
}
