import type { ColumnType, Generated } from 'kysely';
import type { SealedSecret } from '../../platform/secrets';

export type WebhookStatus = 'active' | 'paused' | 'disabled';

/** An org's webhook endpoint and its fan-out state over events.position. */
export interface WebhookEndpointTable {
  id: Generated<string>;
  org_id: string;
  url: string;
  events: string[];
  ordered: boolean;
  status: ColumnType<WebhookStatus, WebhookStatus | undefined, WebhookStatus>;
  secret: ColumnType<SealedSecret, string, string>;
  previous_secret: ColumnType<SealedSecret | null, string | null | undefined, string | null>;
  previous_until: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  scanned: string;
  /** [position, epoch ms first missed] */
  gaps: ColumnType<[string, number][], string | undefined, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** One event owed to one endpoint. */
export interface WebhookDeliveryTable {
  id: Generated<string>;
  endpoint_id: string;
  event_id: string;
  position: string;
  conversation_id: string | null;
  sequence: number;
  status: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | undefined, 'pending' | 'delivered' | 'failed'>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  last_error: string | null;
}

/** The log: one row per HTTP attempt. */
export interface WebhookAttemptTable {
  id: Generated<string>;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  outcome: 'delivered' | 'failed';
  latency_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  at: ColumnType<Date, Date | undefined, never>;
}

/** Something the org should know about an endpoint, such as its disabling. */
export interface WebhookNoticeTable {
  id: Generated<string>;
  endpoint_id: string;
  type: 'endpointDisabled';
  reason: string;
  at: ColumnType<Date, Date | undefined, never>;
}
