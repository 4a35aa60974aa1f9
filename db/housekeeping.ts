import { sql } from 'kysely';
import type { Db } from './database';

/**
 * Deletes what no retry or callback can need any more: send attempts older than
 * `days` (a send is retried for hours, not days), and status callbacks kept that
 * long for a send that was never recorded (another system's message, say).
 */
export async function pruneDeliveryRecords(db: Db, days: number): Promise<{ sendAttempts: number; pendingStatuses: number }> {
  const cutoff = sql<Date>`now() - ${days} * interval '1 day'`;
  const attempts = await db.deleteFrom('send_attempts').where('started_at', '<', cutoff).executeTakeFirst();
  const statuses = await db.deleteFrom('pending_statuses').where('created_at', '<', cutoff).executeTakeFirst();
  return { sendAttempts: Number(attempts.numDeletedRows), pendingStatuses: Number(statuses.numDeletedRows) };
}
