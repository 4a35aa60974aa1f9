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

/**
 * Takes a send slot on the channel's schedule, shared by every worker (GCRA): `booked_until` moves on by
 * one interval per slot, and a slot may start up to `burst - 1` intervals before it. One upsert decides,
 * on the database's clock, so two workers never take the same slot and their clocks do not matter. A slot
 * further off than `maxWaitMs` is not taken: the caller retries later instead of holding it.
 * `at` stands in for the database's clock, for tests.
 */
export async function takeSendSlot(db: Db, channelId: string, rate: SendRate, maxWaitMs: number, at?: Date): Promise<SendSlot> {
  const now = at ? sql`${at.toISOString()}::timestamptz` : sql`clock_timestamp()`;
  const interval = 1000 / rate.perSecond;
  const tolerance = (Math.max(1, rate.burst) - 1) * interval;
  // The earliest start of the next free slot, given the row's booked_until.
  const nextStart = (bookedUntil: RawBuilder<unknown>) => sql`greatest(${bookedUntil}, ${now}) - ${ms(tolerance)}`;
  const taken = await db
    .insertInto('send_rates')
    .values({ channel_id: channelId, booked_until: sql<Date>`${now} + ${ms(interval)}` })
    .onConflict((oc) =>
      oc
        .column('channel_id')
        .doUpdateSet({ booked_until: sql<Date>`greatest(send_rates.booked_until, ${now}) + ${ms(interval)}` })
        .where(sql<boolean>`${nextStart(sql`send_rates.booked_until`)} <= ${now} + ${ms(maxWaitMs)}`),
    )
    .returning(sql<number>`greatest(0, ${msBetween(sql`booked_until - ${ms(interval + tolerance)}`, now)})`.as('wait_ms'))
    .executeTakeFirst();
  if (taken) return { waitMs: taken.wait_ms };
  const row = await db
    .selectFrom('send_rates')
    .select(msBetween(nextStart(sql`booked_until`), sql`${now} + ${ms(maxWaitMs)}`).as('retry_in_ms'))
    .where('channel_id', '=', channelId)
    .executeTakeFirst();
  return { retryInMs: Math.max(0, row?.retry_in_ms ?? 0) };
}
