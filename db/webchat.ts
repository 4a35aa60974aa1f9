import { sql } from 'kysely';
import { dataKeysOf, openRows, sealFor } from './data-keys';
import type { Db } from './database';
import type { WebchatAuthor } from './tables/webchat-event.table';

/** The PostgreSQL channel on which a new event's seq is announced: no personal data, only the number. */
export const WEBCHAT_NOTIFY_CHANNEL = 'webchat';

export interface NewWebchatEvent {
  channelId: string;
  visitorId: string;
  idempotencyKey: string;
  author: WebchatAuthor;
  body: string;
}

/**
 * Appends an event for a visitor's page, once per idempotency key (a repeated
 * key returns the first event's seq), and announces it on commit. Appends for
 * one visitor are serialised, so their seq order is also the order in which
 * they become visible: a reader that has seen seq n has seen every earlier
 * event of that visitor, and replaying "after n" misses nothing.
 */
export async function appendWebchatEvent(db: Db, event: NewWebchatEvent): Promise<{ seq: string; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`webchat\n${event.channelId}\n${event.visitorId}`}, 0))`.execute(trx);
    const body = dataKeysOf(trx) ? await sealFor(trx, await orgOfChannel(trx, event.channelId), event.body) : event.body;
    const inserted = await trx
      .insertInto('webchat_events')
      .values({
        channel_id: event.channelId,
        visitor_id: event.visitorId,
        idempotency_key: event.idempotencyKey,
        author: event.author,
        body,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('seq')
      .executeTakeFirst();
    if (inserted) {
      await sql`select pg_notify(${WEBCHAT_NOTIFY_CHANNEL}, ${inserted.seq})`.execute(trx);
      return { seq: inserted.seq, created: true };
    }
    const first = await trx
      .selectFrom('webchat_events')
      .select('seq')
      .where('idempotency_key', '=', event.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { seq: first.seq, created: false };
  });
}

/** A visitor's events after `after`, oldest first. */
export async function webchatEventsAfter(db: Db, channelId: string, visitorId: string, after: string, limit: number) {
  const rows = await db
    .selectFrom('webchat_events')
    .select(['seq', 'author', 'body', 'created_at'])
    .where('channel_id', '=', channelId)
    .where('visitor_id', '=', visitorId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.length && dataKeysOf(db) ? openRows(db, await orgOfChannel(db, channelId), rows, ['body']) : rows;
}

// The page's texts are sealed under the data key of the channel's org.
async function orgOfChannel(db: Db, channelId: string): Promise<string> {
  const row = await db.selectFrom('channels').select('org_id').where('id', '=', channelId).executeTakeFirstOrThrow();
  return row.org_id;
}

/** Whose page an announced event belongs to. */
export async function webchatEventOwner(db: Db, seq: string) {
  return db.selectFrom('webchat_events').select(['channel_id', 'visitor_id']).where('seq', '=', seq).executeTakeFirst();
}
