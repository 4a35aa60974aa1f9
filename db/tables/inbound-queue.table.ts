import type { ColumnType } from 'kysely';

/** An inbound message acknowledged to its provider and waiting for the relay to route it. */
export interface InboundQueueTable {
  message_id: string;
  org_id: string;
  channel_id: string;
  /** The sender's address, normalised: the relay routes one sender's messages in the order they arrived. */
  address: string;
  /** The Temporal task queue of the API that took it: only relays of workers on that queue route it. */
  task_queue: string;
  attempts: ColumnType<number, never, number>;
  last_error: string | null;
  next_attempt_at: ColumnType<Date, never, Date>;
  created_at: ColumnType<Date, never, never>;
}
