import type { ColumnType } from 'kysely';

export interface SendAttemptTable {
  idempotency_key: string;
  channel_id: string;
  started_at: ColumnType<Date, Date | undefined, Date>;
  /** Null while it is unknown whether the provider accepted the message. */
  provider_message_id: string | null;
}
