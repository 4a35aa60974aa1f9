import { randomUUID } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import { openFor, sealFor } from './data-keys';
import type { Db } from './database';
import { type EventType, inTransaction, recordEvents } from './events';
import { type ConversationStatus, type ConversationTable, LIVE_STATUSES } from './tables/conversation.table';

export type ConversationRow = Selectable<ConversationTable>;

/** A conversation to create; it starts pending. */
export interface NewConversation {
  id?: string;
  orgId: string;
  contactId: string;
  channelId: string;
  journeyId: string;
  journeyVersion: number;
  workflowId: string;
  campaignId?: string;
  campaignSeq?: number;
}

/** The one place a conversation row is created, but for campaign members in bulk (createCampaignMembers). */
function insertConversations(db: Db, rows: NewConversation[], unlessLive: boolean) {
  const query = db.insertInto('conversations').values(
    rows.map((r) => ({
      ...(r.id ? { id: r.id } : {}),
      org_id: r.orgId,
      campaign_id: r.campaignId ?? null,
      campaign_seq: r.campaignSeq ?? null,
      contact_id: r.contactId,
      channel_id: r.channelId,
      journey_id: r.journeyId,
      journey_version: r.journeyVersion,
      workflow_id: r.workflowId,
      status: 'pending' as const,
    })),
  );
  return unlessLive ? query.onConflict((oc) => oc.column('workflow_id').where('status', 'in', LIVE_STATUSES).doNothing()) : query;
}

/**
 * Campaign members; a member whose campaign sequence number is already taken is not written again.
 * Members of one batch share their campaign, channel and journey: one statement, whatever the count.
 */
export async function createCampaignMembers(db: Db, rows: NewConversation[]): Promise<void> {
  if (!rows.length) return;
  const [first] = rows;
  if (rows.some((r) => r.campaignId !== first.campaignId || r.channelId !== first.channelId || r.journeyVersion !== first.journeyVersion))
    throw new Error('campaign members of one batch share their campaign, channel and journey version');
  await sql`
    insert into conversations (id, org_id, campaign_id, campaign_seq, contact_id, channel_id, journey_id, journey_version, workflow_id, status)
    select t.id, ${first.orgId}, ${first.campaignId}, t.seq, t.contact_id, ${first.channelId}, ${first.journeyId}, ${first.journeyVersion}, t.workflow_id, 'pending'
    from unnest(
      ${rows.map((r) => r.id ?? randomUUID())}::uuid[],
      ${rows.map((r) => r.campaignSeq ?? null)}::int[],
      ${rows.map((r) => r.contactId)}::uuid[],
      ${rows.map((r) => r.workflowId)}::text[]
    ) as t(id, seq, contact_id, workflow_id)
    on conflict (campaign_id, campaign_seq) do nothing`.execute(db);
}

/**
 * One conversation. With `unlessLive`, a live conversation already on its workflow id
 * wins the race: that one is returned instead, or undefined if it ended meanwhile.
 */
export async function createConversation(
  db: Db,
  row: NewConversation,
  opts: { unlessLive?: boolean } = {},
): Promise<ConversationRow | undefined> {
  const created = await insertConversations(db, [row], !!opts.unlessLive).returningAll().executeTakeFirst();
  return created ?? (opts.unlessLive ? liveConversationOnWorkflow(db, row.workflowId) : undefined);
}

export async function deleteConversation(db: Db, id: string): Promise<void> {
  await db.deleteFrom('conversations').where('id', '=', id).execute();
}

/** A change to conversations' state: every write of status, step, outcome, notes and times goes through changeConversation. */
export interface ConversationChange {
  status?: ConversationStatus;
  step?: string;
  outcome?: string;
  /** Appended to the notes. */
  note?: string;
  startedAt?: Date;
  endedAt?: Date;
}

/**
 * The one place a conversation's state changes, for one conversation or a campaign's members,
 * only those whose status is in `from` when given. Returns the rows it changed. Each change
 * records its events (started, outcome, note, handoff, ended) in the same transaction.
 */
export async function changeConversation(
  db: Db,
  target: { id: string } | { campaignId: string },
  change: ConversationChange,
  opts: { from?: readonly ConversationStatus[] } = {},
): Promise<{ id: string; notes: string[] }[]> {
  return inTransaction(db, async (trx) => {
    // The rows as they were, locked, so that each event describes a change that really happened.
    let before = trx.selectFrom('conversations').select(['id', 'org_id', 'status', 'outcome']).forUpdate();
    before = 'id' in target ? before.where('id', '=', target.id) : before.where('campaign_id', '=', target.campaignId);
    if (opts.from) before = before.where('status', 'in', opts.from);
    const was = new Map((await before.execute()).map((r) => [r.id, r]));
    if (was.size === 0) return [];
    const orgId = [...was.values()][0].org_id;
    // The note is sealed under the org's data key, in the row and in its noteAdded event alike.
    const note = change.note ? await sealFor(trx, orgId, change.note) : undefined;
    const changed = await trx
      .updateTable('conversations')
      .set((eb) => ({
        ...(change.status ? { status: change.status } : {}),
        ...(change.step ? { step: change.step } : {}),
        ...(change.outcome ? { outcome: change.outcome } : {}),
        ...(note ? { notes: sql<string>`${eb.ref('notes')} || ${JSON.stringify([note])}::jsonb` } : {}),
        ...(change.startedAt ? { started_at: change.startedAt } : {}),
        ...(change.endedAt ? { ended_at: change.endedAt } : {}),
      }))
      .where('id', 'in', [...was.keys()])
      .returning([
        'id',
        'notes',
        'org_id',
        'campaign_id',
        'contact_id',
        'channel_id',
        'journey_id',
        'journey_version',
        'status',
        'step',
        'outcome',
      ])
      .execute();
    // One batch for all rows: a campaign's bulk cancel is two statements, not a round trip per member.
    await recordEvents(
      trx,
      changed.flatMap((row) =>
        conversationEventsOf(was.get(row.id)!, row, { ...change, note }).map(([type, data]) => ({
          orgId: row.org_id,
          type,
          conversationId: row.id,
          ...(row.campaign_id ? { campaignId: row.campaign_id } : {}),
          contactId: row.contact_id,
          data: { ...ids(row), ...data },
        })),
      ),
    );
    return Promise.all(changed.map(async (r) => ({ id: r.id, notes: await openNotes(trx, r.org_id, r.notes) })));
  });
}

const ENDED: readonly ConversationStatus[] = ['ended', 'cancelled', 'skipped'];

type Changed = Pick<
  ConversationRow,
  'id' | 'campaign_id' | 'contact_id' | 'channel_id' | 'journey_id' | 'journey_version' | 'status' | 'step' | 'outcome'
>;

const ids = (row: Changed) => ({
  conversationId: row.id,
  campaignId: row.campaign_id,
  contactId: row.contact_id,
  channelId: row.channel_id,
  journeyId: row.journey_id,
  journeyVersion: row.journey_version,
});

/** The events one row's change makes, in the order they happened. */
function conversationEventsOf(was: { status: ConversationStatus; outcome: string | null }, row: Changed, change: ConversationChange) {
  const events: [EventType, Record<string, unknown>][] = [];
  if (was.status === 'pending' && row.status === 'active') events.push(['conversationStarted', { step: row.step }]);
  if (change.outcome && change.outcome !== was.outcome) events.push(['outcomeSet', { outcome: row.outcome, step: row.step }]);
  if (change.note) events.push(['noteAdded', { note: change.note }]);
  if (row.status === 'handoff' && was.status !== 'handoff') events.push(['handoffRequested', { step: row.step }]);
  if (ENDED.includes(row.status) && !ENDED.includes(was.status)) {
    events.push(['conversationEnded', { status: row.status, outcome: row.outcome, step: row.step }]);
  }
  return events;
}

/** A conversation's notes as plaintext. */
export async function openNotes(db: Db, orgId: string, notes: string[]): Promise<string[]> {
  return Promise.all(notes.map((n) => openFor(db, orgId, n)));
}

/** The org's conversation with this id, if it has one. */
export async function findConversation(db: Db, orgId: string, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
}

/** A conversation by id, whatever its org: for the worker and for routing, which know the id from their own rows. */
export async function conversationById(db: Db, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The live conversation a workflow id runs, if any. */
export async function liveConversationOnWorkflow(db: Db, workflowId: string): Promise<ConversationRow | undefined> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
}

/** The newest live conversation with a contact on a channel. */
export async function liveConversationWith(db: Db, contactId: string, channelId: string) {
  return db
    .selectFrom('conversations')
    .select(['id', 'workflow_id', 'status'])
    .where('contact_id', '=', contactId)
    .where('channel_id', '=', channelId)
    .where('status', 'in', LIVE_STATUSES)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** What a conversation's run needs: its journey version, contact fields, channel kind and org settings. */
export async function conversationContext(db: Db, id: string) {
  return db
    .selectFrom('conversations as cv')
    .innerJoin('journey_versions as jv', (j) =>
      j.onRef('jv.journey_id', '=', 'cv.journey_id').onRef('jv.version', '=', 'cv.journey_version'),
    )
    .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
    .innerJoin('channels as ch', 'ch.id', 'cv.channel_id')
    .innerJoin('orgs as o', 'o.id', 'cv.org_id')
    .leftJoin('campaigns as cp', 'cp.id', 'cv.campaign_id')
    .select([
      'cv.org_id',
      'cv.status',
      'ct.address',
      'cp.send_window',
      'cv.journey_id',
      'cv.journey_version',
      'cv.contact_id',
      'cv.channel_id',
      'jv.definition',
      'jv.model',
      'ct.fields',
      'ct.restricted_at',
      'ch.kind',
      'o.settings',
    ])
    .where('cv.id', '=', id)
    .executeTakeFirst();
}

/** Where a conversation's messages go: the contact's address and the channel's kind and config. */
export async function sendTarget(db: Db, id: string) {
  return (
    db
      .selectFrom('conversations as cv')
      .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
      .innerJoin('channels as ch', 'ch.id', 'cv.channel_id')
      .select(['cv.org_id', 'cv.channel_id', 'cv.contact_id', 'ct.address', 'ct.restricted_at', 'ch.kind', 'ch.config'])
      // The consent check rides along, to spare each send a round trip.
      .select((eb) =>
        eb
          .selectFrom('consents as cs')
          .select(sql<boolean>`cs.status = 'opted_out'`.as('stopped'))
          .whereRef('cs.contact_id', '=', 'cv.contact_id')
          .whereRef('cs.channel_id', '=', 'cv.channel_id')
          .where('cs.purpose', 'is', null)
          .orderBy('cs.created_at', 'desc')
          .limit(1)
          .as('opted_out'),
      )
      // An objection to the purpose of the conversation's campaign (marketing, say) on this channel.
      .select((eb) =>
        eb
          .selectFrom('consents as cs')
          .innerJoin('campaigns as cp', 'cp.id', 'cv.campaign_id')
          .select(sql<boolean>`cs.status = 'opted_out'`.as('objected'))
          .whereRef('cs.contact_id', '=', 'cv.contact_id')
          .whereRef('cs.channel_id', '=', 'cv.channel_id')
          .whereRef('cs.purpose', '=', 'cp.purpose')
          .orderBy('cs.created_at', 'desc')
          .limit(1)
          .as('objected'),
      )
      .where('cv.id', '=', id)
      .executeTakeFirst()
  );
}

/** The org's enrichment settings and the contact's fields, for a conversation's enrichment call. */
export async function enrichmentTarget(db: Db, id: string) {
  return db
    .selectFrom('conversations as cv')
    .innerJoin('orgs as o', 'o.id', 'cv.org_id')
    .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
    .select(['o.settings', 'ct.fields', 'cv.contact_id', 'cv.org_id'])
    .where('cv.id', '=', id)
    .executeTakeFirst();
}
