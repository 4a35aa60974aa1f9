import type { ColumnType, Generated } from 'kysely';

/** One event in the outbox, in the order it was committed (`position`). */
export interface EventTable {
  position: Generated<string>;
  id: Generated<string>;
  org_id: string;
  type: string;
  conversation_id: string | null;
  campaign_id: string | null;
  /** The person it is about, so that an export finds it and an erasure redacts it. */
  contact_id: string | null;
  /** Per conversation (else per campaign, else 0): receivers reorder by it. */
  sequence: number;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  data: ColumnType<Record<string, unknown>, string, string>;
}

/** The last event sequence number of one conversation or campaign. */
export interface EventCounterTable {
  subject_id: string;
  seq: number;
}
