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

/**
 * Deletes the file chunks of imports that will never read them: an import that
 * failed or finished, one with no import row, or one still `importing` without
 * progress for `staleHours` (its workflow was terminated by hand, say).
 */
export async function pruneImportFiles(db: Db, staleHours: number): Promise<number> {
  const cutoff = sql<Date>`now() - ${staleHours} * interval '1 hour'`;
  const deleted = await db
    .deleteFrom('import_files')
    .where(({ exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom('campaign_imports')
            .select('campaign_imports.campaign_id')
            .whereRef('campaign_imports.campaign_id', '=', 'import_files.campaign_id')
            .where('campaign_imports.status', '=', 'importing')
            .where('campaign_imports.updated_at', '>=', cutoff),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
