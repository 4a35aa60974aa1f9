import { sql } from 'kysely';
import type { Db } from './database';
import type { RequestLogTable } from './tables/request-log.table';

export type RequestLogRow = Omit<RequestLogTable, 'id'>;

export async function insertRequestLog(db: Db, rows: RequestLogRow[]): Promise<void> {
  if (rows.length) await db.insertInto('request_log').values(rows).execute();
}

/** A page of an org's request log, oldest first after `after`. */
export async function readRequestLog(db: Db, orgId: string, page: { after: number; limit: number }) {
  return db
    .selectFrom('request_log')
    .select(['id', 'at', 'key_prefix', 'method', 'route', 'status', 'latency_ms'])
    .where('org_id', '=', orgId)
    .where('id', '>', String(page.after))
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

/** Deletes each org's request log rows older than its `requestLogDays` setting (or `defaultDays`). */
export async function pruneRequestLog(db: Db, defaultDays: number): Promise<number> {
  const result = await db
    .deleteFrom('request_log')
    .using('orgs')
    .whereRef('orgs.id', '=', 'request_log.org_id')
    .where('request_log.at', '<', sql<Date>`now() - coalesce((orgs.settings->>'requestLogDays')::int, ${defaultDays}) * interval '1 day'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
