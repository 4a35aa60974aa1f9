import { sql } from 'kysely';
import type { Db } from './database';
import { openRows } from './data-keys';
import { storeMessage } from './messages';

export interface InboundSender {
  orgId: string;
  channelId: string;
  address: string;
}

export interface QueuedInbound {
  messageId: string;
  body: string;
  attempts: number;
}

/**
 * Stores an inbound message and queues it for the relay, in one statement: once this
 * returns, the message is durable and will be routed. A repeated provider id stores and
 * queues nothing (the unique provider id, not a read first, decides).
 */
export async function acceptInbound(db: Db, sender: InboundSender, msg: { text: string; providerMessageId: string }, taskQueue: string) {
  return storeMessage(db, {
    orgId: sender.orgId,
    channelId: sender.channelId,
    direction: 'in',
    author: 'contact',
    body: msg.text,
    providerMessageId: msg.providerMessageId,
    queueFor: { address: sender.address, taskQueue },
  });
}

/** A sender's queued messages, oldest first. */
export async function queuedFrom(db: Db, sender: InboundSender, taskQueue: string, limit = 50): Promise<QueuedInbound[]> {
  const rows = await db
    .selectFrom('inbound_queue as q')
    .innerJoin('messages as m', 'm.id', 'q.message_id')
    .select(['q.message_id as messageId', 'm.body as body', 'q.attempts as attempts'])
    .where('q.channel_id', '=', sender.channelId)
    .where('q.address', '=', sender.address)
    .where('q.task_queue', '=', taskQueue)
    .orderBy('m.seq')
    .limit(limit)
    .execute();
  return openRows(db, sender.orgId, rows, ['body']);
}

export async function dequeue(db: Db, messageId: string): Promise<void> {
  await db.deleteFrom('inbound_queue').where('message_id', '=', messageId).execute();
}

/** Keeps a message whose routing failed for a later try, backing off to at most five minutes. */
export async function routingFailed(db: Db, messageId: string, error: string): Promise<void> {
  await db
    .updateTable('inbound_queue')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 500),
      next_attempt_at: sql<Date>`now() + least(interval '1 second' * power(2, attempts), interval '5 minutes')`,
    }))
    .where('message_id', '=', messageId)
    .execute();
}

/**
 * Stops trying to route a message: it stays stored, marked routed to no conversation with the
 * reason, and leaves the queue, so the sender's later messages go on.
 */
export async function giveUpRouting(db: Db, messageId: string, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('messages')
      .set({ routed_at: new Date(), error: reason.slice(0, 500), updated_at: new Date() })
      .where('id', '=', messageId)
      .execute();
    await trx.deleteFrom('inbound_queue').where('message_id', '=', messageId).execute();
  });
}

/** Senders with a message due: just queued, left behind by a crash, or whose routing failed and whose wait is over. */
export async function sendersDue(db: Db, taskQueue: string, limit = 200): Promise<InboundSender[]> {
  return db
    .selectFrom('inbound_queue')
    .where('task_queue', '=', taskQueue)
    .select(['org_id as orgId', 'channel_id as channelId', 'address'])
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .groupBy(['org_id', 'channel_id', 'address'])
    .orderBy(sql`min(created_at)`)
    .limit(limit)
    .execute();
}

/** Depth and age of the queue, for metrics. */
export async function queueStats(db: Db): Promise<{ depth: number; oldestSeconds: number }> {
  const row = await db
    .selectFrom('inbound_queue')
    .select([sql<string>`count(*)`.as('depth'), sql<string | null>`extract(epoch from now() - min(created_at))`.as('oldest')])
    .executeTakeFirstOrThrow();
  return { depth: Number(row.depth), oldestSeconds: Number(row.oldest ?? 0) };
}

/**
 * Runs `fn` while holding the sender's lock, which every relay takes before routing that
 * sender: one sender's messages reach the workflow one at a time, in order. Returns
 * `busy` without running `fn` when another relay holds it (that one drains the queue).
 */
export async function withSenderLock<T>(db: Db, sender: InboundSender, fn: () => Promise<T>): Promise<T | 'busy'> {
  return db.transaction().execute(async (trx) => {
    const key = `inbound\n${sender.channelId}\n${sender.address}`;
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${key}, 0)) as locked`.execute(trx);
    return rows[0].locked ? fn() : 'busy';
  });
}
