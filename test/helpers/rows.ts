import { sql } from 'kysely';
import type { Db } from '../../db/database';

/**
 * Row counts of every application table for the given orgs, to prove that a
 * refused request wrote nothing. Scoped by org because other test files write
 * to the same database at the same time. A table with neither `org_id`,
 * `channel_id` nor `journey_id` is counted whole. The request and audit logs
 * and the keys' request schedules (key_rates) are left out: recording refused
 * requests is what they are for.
 */
export async function tableCounts(db: Db, orgIds: string[]): Promise<Record<string, number>> {
  // Messages acknowledged earlier are still being routed (contacts, conversations): count once that is done.
  await relayDrained(db, orgIds);
  const columns = await sql<{ table: string; column: string }>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = 'public' and table_name not like 'kysely_%' and table_name not in ('request_log', 'audit_log', 'key_rates')
    order by table_name`.execute(db);
  const byTable = new Map<string, Set<string>>();
  for (const r of columns.rows) (byTable.get(r.table) ?? byTable.set(r.table, new Set()).get(r.table)!).add(r.column);
  const orgs = sql.join(orgIds.map((id) => sql`${id}::uuid`));
  const parts = [...byTable].map(([table, cols]) => {
    const where =
      table === 'orgs'
        ? sql`id in (${orgs})`
        : cols.has('org_id')
          ? sql`org_id in (${orgs})`
          : cols.has('endpoint_id')
            ? sql`endpoint_id in (select id from webhook_endpoints where org_id in (${orgs}))`
            : cols.has('subject_id')
              ? sql`subject_id in (select id from conversations where org_id in (${orgs}) union select id from campaigns where org_id in (${orgs}))`
              : cols.has('channel_id')
                ? sql`channel_id in (select id from channels where org_id in (${orgs}))`
                : cols.has('journey_id')
                  ? sql`journey_id in (select id from journeys where org_id in (${orgs}))`
                  : sql`true`;
    return sql`select ${table}::text as t, count(*)::int as n from ${sql.table(table)} where ${where}`;
  });
  const rows = await sql<{ t: string; n: number }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.t, r.n]));
}

/** Waits until the inbound relay has routed every acknowledged message of these orgs. */
export async function relayDrained(db: Db, orgIds: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await db.selectFrom('inbound_queue').select('message_id').where('org_id', 'in', orgIds).limit(1).execute();
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the inbound relay');
    await new Promise((r) => setTimeout(r, 50));
  }
}
