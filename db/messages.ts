import { type ExpressionBuilder, sql } from 'kysely';
import type { StatusUpdate, WatermarkUpdate } from '../channels/provider';
import type { Db } from './database';
import { openRows, sealFor } from './data-keys';
import { inTransaction, recordEvent } from './events';
import type { Database } from './schema';
import type { MessageStatus, MessageTable } from './tables/message.table';

/** A message to store: an outbound one keyed by its idempotency key, an inbound one by its provider's id. */
export type NewMessage = {
  orgId: string;
  conversationId?: string | null;
  channelId: string;
  author: MessageTable['author'];
  body: string;
  step?: string;
} & (
  | { direction: 'out'; idempotencyKey: string }
  /** `queueFor`: the sender's normalised address and the task queue whose relays route it. */
  | { direction: 'in'; providerMessageId: string; queueFor?: { address: string; taskQueue: string } }
);

const STORED = ['id', 'status', 'conversation_id', 'provider_message_id', 'routed_at'] as const;

/**
 * The one place a message is stored. Storing the same message again (the same key or
 * provider id) stores nothing and returns the first one, with `created` false. An inbound
 * message given `queueFor` is queued for the relay in the same statement, so it is
 * durable and on its way in one round trip.
 */
export async function storeMessage(db: Db, msg: NewMessage) {
  const out = msg.direction === 'out';
  // Sealed under the org's data key; the event below copies the envelope, not the text.
  const body = await sealFor(db, msg.orgId, msg.body);
  const insert = db
    .insertInto('messages')
    .values({
      org_id: msg.orgId,
      conversation_id: msg.conversationId ?? null,
      channel_id: msg.channelId,
      direction: msg.direction,
      author: msg.author,
      body,
      status: out ? 'pending' : 'received',
      step: msg.step ?? null,
      ...(out ? { idempotency_key: msg.idempotencyKey } : { provider_message_id: msg.providerMessageId }),
    })
    .onConflict((oc) => (out ? oc.column('idempotency_key') : oc.columns(['channel_id', 'direction', 'provider_message_id'])).doNothing())
    .returning([...STORED, 'org_id', 'channel_id', 'direction', 'author', 'body', 'step']);
  const queueFor = msg.direction === 'in' ? msg.queueFor : undefined;
  // One statement stores the message, records its event and (inbound) queues it for the relay.
  const inserted = await db
    .with('stored', () => insert)
    .with('numbered', (qb) =>
      qb
        .insertInto('event_counters')
        .columns(['subject_id', 'seq'])
        .expression((eb) =>
          eb
            .selectFrom('stored')
            .select(['conversation_id', sql<number>`1`.as('seq')])
            .where('conversation_id', 'is not', null),
        )
        .onConflict((oc) => oc.column('subject_id').doUpdateSet({ seq: sql`event_counters.seq + 1` }))
        .returning(['subject_id', 'seq']),
    )
    .with('evented', (qb) =>
      qb
        .insertInto('events')
        .columns(['org_id', 'type', 'conversation_id', 'campaign_id', 'contact_id', 'sequence', 'data'])
        .expression((eb) =>
          eb
            .selectFrom('stored as s')
            .leftJoin('numbered as n', 'n.subject_id', 's.conversation_id')
            .leftJoin('conversations as c', 'c.id', 's.conversation_id')
            .select([
              's.org_id',
              sql<string>`case when s.direction = 'out' then 'messageSend' else 'inboundMessage' end`.as('type'),
              's.conversation_id',
              'c.campaign_id',
              'c.contact_id',
              sql<number>`coalesce(n.seq, 0)`.as('sequence'),
              sql<string>`jsonb_build_object('messageId', s.id, 'conversationId', s.conversation_id, 'campaignId', c.campaign_id,
                'contactId', c.contact_id, 'channelId', s.channel_id, 'direction', s.direction, 'author', s.author, 'text', s.body,
                'step', s.step, 'status', s.status, 'providerMessageId', s.provider_message_id)`.as('data'),
            ])
            // An inbound message the relay has yet to route is recorded once it knows the conversation (markRouted).
            .where((w) => w.or([w('s.direction', '=', 'out'), w('s.conversation_id', 'is not', null)])),
        ),
    )
    .with('queued', (qb) =>
      qb
        .insertInto('inbound_queue')
        .columns(['message_id', 'org_id', 'channel_id', 'address', 'task_queue'])
        .expression((eb) =>
          eb
            .selectFrom('stored')
            .select([
              'id',
              'org_id',
              'channel_id',
              sql<string>`${queueFor?.address ?? ''}::text`.as('address'),
              sql<string>`${queueFor?.taskQueue ?? ''}::text`.as('task_queue'),
            ])
            .where(sql<boolean>`${!!queueFor}::boolean`),
        ),
    )
    .selectFrom('stored')
    .select(STORED)
    .executeTakeFirst();
  if (inserted) return { message: pick(inserted), created: true };
  let first = db.selectFrom('messages').select(STORED);
  first = out
    ? first.where('idempotency_key', '=', msg.idempotencyKey)
    : first.where('channel_id', '=', msg.channelId).where('direction', '=', 'in').where('provider_message_id', '=', msg.providerMessageId);
  return { message: await first.executeTakeFirstOrThrow(), created: false };
}

const pick = <T extends Record<(typeof STORED)[number], unknown>>(row: T) =>
  ({
    id: row.id,
    status: row.status,
    conversation_id: row.conversation_id,
    provider_message_id: row.provider_message_id,
    routed_at: row.routed_at,
  }) as Pick<T, (typeof STORED)[number]>;

/**
 * The provider took an outbound message. Status callbacks that arrived before
 * this (kept in pending_statuses) are applied now, under the same lock as
 * applyStatusUpdate, so none falls between the two.
 */
export async function markSent(db: Db, id: string, sent: { status: MessageStatus; providerMessageId: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { channel_id: channelId, status: was } = await trx
      .selectFrom('messages')
      .select(['channel_id', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await lockStatuses(trx, channelId, sent.providerMessageId);
    const moved = await trx
      .updateTable('messages')
      .set({ status: sent.status, provider_message_id: sent.providerMessageId, status_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .returning(MOVED)
      .execute();
    if (was !== sent.status) for (const row of moved) await recordStatus(trx, row);
    const early = await trx
      .deleteFrom('pending_statuses')
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', sent.providerMessageId)
      .returningAll()
      .execute();
    early.sort((x, y) => ORDER.indexOf(x.status) - ORDER.indexOf(y.status));
    for (const p of early) {
      await advance(trx, channelId, {
        providerMessageId: p.provider_message_id,
        status: p.status,
        ...(p.status_at ? { at: p.status_at } : {}),
        ...(p.error !== null ? { error: p.error } : {}),
        ...(p.error_code !== null ? { errorCode: p.error_code } : {}),
      });
    }
  });
}

/** The provider (or the channel's setup) refused an outbound message for good. */
export async function markFailed(db: Db, id: string, error: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const moved = await trx
      .updateTable('messages')
      .set({ status: 'failed', error, status_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '!=', 'failed')
      .returning(MOVED)
      .execute();
    for (const row of moved) await recordStatus(trx, row);
  });
}

/** Replaces an inbound message's text, which must not be kept. */
export async function withholdInbound(db: Db, id: string, body: string): Promise<void> {
  await db.updateTable('messages').set({ body, updated_at: new Date() }).where('id', '=', id).where('direction', '=', 'in').execute();
}

/** The best intent of the step that read an inbound message, and its probability. */
export async function recordIntent(db: Db, id: string, intent: string, score: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({ intent, intent_score: score, updated_at: new Date() })
    .where('id', '=', id)
    .where('direction', '=', 'in')
    .execute();
}

/** Where an inbound message stands: routed once `routed_at` is set. */
export async function messageRouting(db: Db, id: string) {
  return db.selectFrom('messages').select(['id', 'conversation_id', 'routed_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

/** An inbound message's conversation, as the API reports it. */
export async function routedMessage(db: Db, id: string): Promise<{ messageId: string; conversationId: string | null }> {
  const row = await messageRouting(db, id);
  return { messageId: row.id, conversationId: row.conversation_id };
}

/** Waits, polling, until an inbound message is routed or `timeoutMs` pass. */
export async function waitRouted(db: Db, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await messageRouting(db, id)).routed_at && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

/**
 * The relay has routed an inbound message: to its conversation, or to none. An inbound message stored without a
 * conversation gets its inboundMessage event here, in the same transaction, so the event carries the conversation
 * and its place in that conversation's sequence. Routing it again changes nothing.
 */
export async function markRouted(db: Db, id: string, conversationId: string | null, sentiment?: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const before = await trx
      .selectFrom('messages')
      .select(['conversation_id', 'routed_at'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before || before.routed_at) return;
    // A closing conversation may already have handed the message on to the sender's next one.
    const routed = await trx
      .updateTable('messages')
      .set((eb) => ({
        conversation_id: eb.fn.coalesce('conversation_id', eb.val(conversationId)),
        routed_at: new Date(),
        ...(sentiment === undefined ? {} : { sentiment }),
      }))
      .where('id', '=', id)
      .returning(['id', 'org_id', 'conversation_id', 'channel_id', 'author', 'body', 'step', 'status', 'provider_message_id', 'sentiment'])
      .executeTakeFirstOrThrow();
    if (before.conversation_id) return;
    const conversation = routed.conversation_id
      ? await trx
          .selectFrom('conversations')
          .select(['campaign_id', 'contact_id'])
          .where('id', '=', routed.conversation_id)
          .executeTakeFirst()
      : undefined;
    await recordEvent(trx, {
      orgId: routed.org_id,
      type: 'inboundMessage',
      conversationId: routed.conversation_id ?? undefined,
      campaignId: conversation?.campaign_id ?? undefined,
      contactId: conversation?.contact_id ?? undefined,
      data: {
        messageId: routed.id,
        conversationId: routed.conversation_id,
        campaignId: conversation?.campaign_id ?? null,
        contactId: conversation?.contact_id ?? null,
        channelId: routed.channel_id,
        direction: 'in',
        author: routed.author,
        text: routed.body,
        step: routed.step,
        status: routed.status,
        providerMessageId: routed.provider_message_id,
        sentiment: routed.sentiment,
      },
    });
  });
}

/** Hands inbound messages on to another conversation. */
export async function moveInbound(db: Db, ids: string[], conversationId: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ conversation_id: conversationId, updated_at: new Date() })
    .where('id', 'in', ids)
    .where('direction', '=', 'in')
    .execute();
}

/** A conversation's messages in order, their bodies opened. */
export async function transcript(db: Db, conversationId: string) {
  const rows = await db
    .selectFrom('messages')
    .select([
      'id',
      'org_id',
      'direction',
      'author',
      'body',
      'status',
      'status_at',
      'step',
      'error',
      'error_code',
      'sentiment',
      'intent',
      'intent_score',
      'created_at',
      'updated_at',
    ])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute();
  return rows.length ? openRows(db, rows[0].org_id, rows, ['body']) : rows;
}

// Statuses only move forward, and failed is terminal: a late or repeated callback changes nothing.
const ORDER: StatusUpdate['status'][] = ['sent', 'delivered', 'read', 'failed'];
const REPLACES: Record<StatusUpdate['status'], MessageStatus[]> = {
  sent: ['pending'],
  delivered: ['pending', 'sent'],
  read: ['pending', 'sent', 'delivered'],
  failed: ['pending', 'sent', 'delivered'],
};

/** Serialises the status writes of one provider message id: a callback and the send's record. */
async function lockStatuses(trx: Db, channelId: string, providerMessageId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${channelId}:${providerMessageId}`}, 0))`.execute(trx);
}

/** Moves the message forward to the update's status; false when it is not a step forward (or there is no such message). */
async function advance(trx: Db, channelId: string, update: StatusUpdate): Promise<boolean> {
  const moved = await trx
    .updateTable('messages')
    .set({
      status: update.status,
      status_at: update.at ?? new Date(),
      updated_at: new Date(),
      ...(update.status === 'failed' ? { error: update.error ?? 'failed at the provider', error_code: update.errorCode ?? null } : {}),
    })
    .where('channel_id', '=', channelId)
    .where('direction', '=', 'out')
    .where('provider_message_id', '=', update.providerMessageId)
    .where('status', 'in', REPLACES[update.status])
    .returning(MOVED)
    .execute();
  for (const row of moved) await recordStatus(trx, row);
  return moved.length > 0;
}

const MOVED = [
  'id',
  'org_id',
  'conversation_id',
  'channel_id',
  'status',
  'status_at',
  'provider_message_id',
  'error',
  'error_code',
  (eb: ExpressionBuilder<Database, 'messages'>) =>
    eb.selectFrom('conversations as c').select('c.contact_id').whereRef('c.id', '=', 'messages.conversation_id').as('contact_id'),
  (eb: ExpressionBuilder<Database, 'messages'>) =>
    eb.selectFrom('conversations as c').select('c.campaign_id').whereRef('c.id', '=', 'messages.conversation_id').as('campaign_id'),
] as const;

/** A message's status moved forward: its event, in the same transaction. */
async function recordStatus(
  trx: Db,
  row: {
    id: string;
    org_id: string;
    conversation_id: string | null;
    channel_id: string;
    status: MessageStatus;
    status_at: Date | null;
    provider_message_id: string | null;
    error: string | null;
    error_code: string | null;
    contact_id: string | null;
    campaign_id: string | null;
  },
): Promise<void> {
  await recordEvent(trx, {
    orgId: row.org_id,
    type: 'messageStatusUpdate',
    ...(row.conversation_id ? { conversationId: row.conversation_id } : {}),
    ...(row.contact_id ? { contactId: row.contact_id } : {}),
    ...(row.campaign_id ? { campaignId: row.campaign_id } : {}),
    data: {
      messageId: row.id,
      conversationId: row.conversation_id,
      contactId: row.contact_id,
      channelId: row.channel_id,
      status: row.status,
      statusAt: row.status_at?.toISOString() ?? null,
      providerMessageId: row.provider_message_id,
      ...(row.status === 'failed' ? { error: row.error, errorCode: row.error_code } : {}),
    },
  });
}

/**
 * Applies a provider's status callback to the outbound message it names; false when it
 * changed nothing. One for a message whose send is not recorded yet is kept for markSent.
 */
export async function applyStatusUpdate(db: Db, channelId: string, update: StatusUpdate): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockStatuses(trx, channelId, update.providerMessageId);
    if (await advance(trx, channelId, update)) return true;
    const known = await trx
      .selectFrom('messages')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'out')
      .where('provider_message_id', '=', update.providerMessageId)
      .executeTakeFirst();
    if (!known) {
      await trx
        .insertInto('pending_statuses')
        .values({
          channel_id: channelId,
          provider_message_id: update.providerMessageId,
          status: update.status,
          status_at: update.at ?? new Date(),
          error: update.error ?? null,
          error_code: update.errorCode ?? null,
        })
        .onConflict((oc) => oc.columns(['channel_id', 'provider_message_id', 'status']).doNothing())
        .execute();
    }
    return false;
  });
}

/**
 * Applies a watermark (Messenger's delivery and read events): every outbound message this channel
 * sent to the person at `recipient`, at or before the watermark, moves forward to its status; the
 * number moved. A message counts as sent when its send was recorded (`status_at` then is ours, a
 * little after Meta's own time), so one sent just before a watermark may wait for the next event:
 * better late than moved on a guess. Statuses move forward only, as in applyStatusUpdate.
 */
export async function applyWatermark(db: Db, channelId: string, update: WatermarkUpdate): Promise<number> {
  return inTransaction(db, async (trx) => {
    const moved = await trx
      .updateTable('messages')
      .set({ status: update.status, status_at: update.watermark, updated_at: new Date() })
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'out')
      .where('status', 'in', REPLACES[update.status])
      .where('provider_message_id', 'is not', null)
      .where('status_at', '<=', update.watermark)
      .where('conversation_id', 'in', (eb) =>
        eb
          .selectFrom('conversations as cv')
          .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
          .select('cv.id')
          .where('ct.channel_id', '=', channelId)
          .where('ct.address', '=', update.recipient),
      )
      .returning(MOVED)
      .execute();
    for (const row of moved) await recordStatus(trx, row);
    return moved.length;
  });
}
