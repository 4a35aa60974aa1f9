import type { ColumnType, Generated } from 'kysely';

export type MessageStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface MessageTable {
  id: Generated<string>;
  seq: Generated<string>;
  org_id: string;
  conversation_id: string | null;
  channel_id: string;
  direction: 'in' | 'out';
  author: 'contact' | 'bot' | 'agent' | 'api';
  body: string;
  status: MessageStatus;
  step: string | null;
  idempotency_key: string | null;
  provider_message_id: string | null;
  error: string | null;
  error_code: string | null;
  /** The provider's time of the latest status. */
  status_at: Date | null;
  /** -1 (very negative) to 1 (very positive), for inbound messages. */
  sentiment: number | null;
  /** The best intent of the step that read this reply, and its score. */
  intent: string | null;
  intent_score: number | null;
  routed_at: ColumnType<Date | null, never, Date>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A status callback that named a provider message id before its send was recorded. */
export interface PendingStatusTable {
  channel_id: string;
  provider_message_id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  status_at: Date | null;
  error: string | null;
  error_code: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface SandboxOutboxTable {
  seq: Generated<string>;
  channel_id: string;
  address: string;
  body: string;
  idempotency_key: string;
  provider_message_id: string;
  created_at: ColumnType<Date, never, never>;
}
