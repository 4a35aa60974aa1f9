import { type RawBuilder, sql } from 'kysely';
import type { Db } from './database';

/** How fast a channel may send: `perSecond` on average, up to `burst` back to back after a quiet spell. */
export interface SendRate {
  perSecond: number;
  burst: number;
}

/** A slot taken, to be used after `waitMs`; or none within the wait allowed, and one may free up in `retryInMs`. */
export type SendSlot = { waitMs: number } | { retryInMs: number };

const ms = (n: number) => sql`(${n}::float8 * interval '1 millisecond')`;
const msBetween = (later: RawBuilder<unknown>, earlier: RawBuilder<unknown>) =>
  sql<number>`(extract(epoch from (${later}) - (${earlier})) * 1000)::float8`;

/** Where a schedule is kept: a channel's sends, or an API key's requests. */
type Schedule = { table: 'send_rates'; column: 'channel_id'; id: string } | { table: 'key_rates'; column: 'key_id'; id: string };

/**
 * Takes a slot on a schedule shared by every process (GCRA): `booked_until` moves on by one interval per
 * slot, and a slot may start up to `burst - 1` intervals before it. One upsert decides, on the database's
 * clock, so two processes never take the same slot and their clocks do not matter. A slot further off than
 * `maxWaitMs` is not taken: the caller retries later instead of holding it. `at` stands in for the
 * database's clock, for tests.
 */
async function takeSlot(db: Db, schedule: Schedule, rate: SendRate, maxWaitMs: number, at?: Date): Promise<SendSlot> {
  const now = at ? sql`${at.toISOString()}::timestamptz` : sql`clock_timestamp()`;
  const interval = 1000 / rate.perSecond;
  const tolerance = (Math.max(1, rate.burst) - 1) * interval;
  const table = sql.table(schedule.table);
  const column = sql.ref(schedule.column);
  // The earliest start of the next free slot, given the row's booked_until.
  const nextStart = (bookedUntil: RawBuilder<unknown>) => sql`greatest(${bookedUntil}, ${now}) - ${ms(tolerance)}`;
  const taken = await sql<{ wait_ms: number }>`
    insert into ${table} as r (${column}, booked_until) values (${schedule.id}, ${now} + ${ms(interval)})
    on conflict (${column}) do update set booked_until = greatest(r.booked_until, ${now}) + ${ms(interval)}
      where ${nextStart(sql`r.booked_until`)} <= ${now} + ${ms(maxWaitMs)}
    returning greatest(0, ${msBetween(sql`booked_until - ${ms(interval + tolerance)}`, now)}) as wait_ms`.execute(db);
  if (taken.rows[0]) return { waitMs: taken.rows[0].wait_ms };
  const row = await sql<{ retry_in_ms: number }>`
    select ${msBetween(nextStart(sql`booked_until`), sql`${now} + ${ms(maxWaitMs)}`)} as retry_in_ms
    from ${table} where ${column} = ${schedule.id}`.execute(db);
  return { retryInMs: Math.max(0, row.rows[0]?.retry_in_ms ?? 0) };
}

/** A send slot on the channel's schedule, shared by every worker. */
export const takeSendSlot = (db: Db, channelId: string, rate: SendRate, maxWaitMs: number, at?: Date) =>
  takeSlot(db, { table: 'send_rates', column: 'channel_id', id: channelId }, rate, maxWaitMs, at);

/** A request slot on the API key's schedule, shared by every API process: now, or none and when to retry. */
export const takeRequestSlot = (db: Db, keyId: string, rate: SendRate, at?: Date) =>
  takeSlot(db, { table: 'key_rates', column: 'key_id', id: keyId }, rate, 0, at);
