import { sql } from 'kysely';
import type { Db } from './database';

/** Every event type a webhook endpoint can subscribe to. */
export const EVENT_TYPES = [
  'conversationStarted',
  'messageSend',
  'inboundMessage',
  'messageStatusUpdate',
  'outcomeSet',
  'noteAdded',
  'handoffRequested',
  'conversationEnded',
  'campaignStarted',
  'campaignCompleted',
  'contactOptedOut',
  'dataSubjectRequestCompleted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  orgId: string;
  type: EventType;
  conversationId?: string;
  campaignId?: string;
  contactId?: string;
  data: Record<string, unknown>;
  occurredAt?: Date;
}

/**
 * Records an event in the outbox. Call it with the transaction that makes the
 * change it describes, so the two commit or roll back together.
 */
export async function recordEvent(trx: Db, e: NewEvent): Promise<{ id: string; sequence: number }> {
  const subject = e.conversationId ?? e.campaignId;
  const sequence = subject ? await nextSequence(trx, subject) : 0;
  const row = await trx
    .insertInto('events')
    .values({
      org_id: e.orgId,
      type: e.type,
      conversation_id: e.conversationId ?? null,
      campaign_id: e.campaignId ?? null,
      contact_id: e.contactId ?? null,
      sequence,
      ...(e.occurredAt ? { occurred_at: e.occurredAt } : {}),
      data: JSON.stringify(e.data),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, sequence };
}

/**
 * Records many events in two statements, whatever their number: one upsert takes each
 * subject's next sequence numbers, one insert writes the rows. Events of one subject are
 * numbered in the order given. Call it with the transaction that makes the change.
 */
export async function recordEvents(trx: Db, events: NewEvent[]): Promise<{ id: string; sequence: number }[]> {
  if (events.length === 0) return [];
  const counts = new Map<string, number>();
  for (const e of events) {
    const subject = e.conversationId ?? e.campaignId;
    if (subject) counts.set(subject, (counts.get(subject) ?? 0) + 1);
  }
  // Sorted, so concurrent batches lock counter rows in one order and cannot deadlock.
  const subjects = [...counts.keys()].sort();
  const next = new Map<string, number>();
  if (subjects.length > 0) {
    const rows = await trx
      .insertInto('event_counters')
      .values(subjects.map((s) => ({ subject_id: s, seq: counts.get(s)! })))
      .onConflict((oc) => oc.column('subject_id').doUpdateSet({ seq: sql`event_counters.seq + excluded.seq` }))
      .returning(['subject_id', 'seq'])
      .execute();
    for (const r of rows) next.set(r.subject_id, r.seq - counts.get(r.subject_id)! + 1);
  }
  const sequences = events.map((e) => {
    const subject = e.conversationId ?? e.campaignId;
    if (!subject) return 0;
    const seq = next.get(subject)!;
    next.set(subject, seq + 1);
    return seq;
  });
  const rows = await trx
    .insertInto('events')
    .values(
      events.map((e, i) => ({
        org_id: e.orgId,
        type: e.type,
        conversation_id: e.conversationId ?? null,
        campaign_id: e.campaignId ?? null,
        contact_id: e.contactId ?? null,
        sequence: sequences[i]!,
        ...(e.occurredAt ? { occurred_at: e.occurredAt } : {}),
        data: JSON.stringify(e.data),
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r, i) => ({ id: r.id, sequence: sequences[i]! }));
}

/** The next sequence number of a conversation's or campaign's events. */
async function nextSequence(trx: Db, subjectId: string): Promise<number> {
  const row = await trx
    .insertInto('event_counters')
    .values({ subject_id: subjectId, seq: 1 })
    .onConflict((oc) => oc.column('subject_id').doUpdateSet({ seq: sql`event_counters.seq + 1` }))
    .returning('seq')
    .executeTakeFirstOrThrow();
  return row.seq;
}

/** An org's events after a position, oldest first. */
export async function eventsAfter(db: Db, orgId: string, position: string, limit: number) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('position', '>', position)
    .orderBy('position')
    .limit(limit)
    .execute();
}

/** Runs `fn` in the caller's transaction, or in a new one: a change and its events commit together either way. */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** An org's events about one conversation, in its own order. */
export async function conversationEvents(db: Db, conversationId: string) {
  return db.selectFrom('events').selectAll().where('conversation_id', '=', conversationId).orderBy('sequence').execute();
}

/** An org's events about one campaign itself (not its conversations), in its own order. */
export async function campaignEvents(db: Db, campaignId: string) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('conversation_id', 'is', null)
    .orderBy('sequence')
    .execute();
}

/** Whether a campaign has recorded an event of this type about itself. */
export async function hasEvent(db: Db, campaignId: string, type: EventType): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('id')
    .where('campaign_id', '=', campaignId)
    .where('conversation_id', 'is', null)
    .where('type', '=', type)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}
