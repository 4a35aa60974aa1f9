import type { ColumnType, Generated } from 'kysely';

export type WebchatAuthor = 'visitor' | 'business';

export interface WebchatEventTable {
  seq: Generated<string>;
  channel_id: string;
  /** The visitor's address on the channel (a keyed hash of their cookie, never the cookie itself). */
  visitor_id: string;
  /** The send's idempotency key, or `in:` and the provider id of a visitor's own message. */
  idempotency_key: string;
  author: WebchatAuthor;
  body: string;
  created_at: ColumnType<Date, never, never>;
}
